// SPDX-License-Identifier: GPL-2.0
/* Counter names and their /proc/net/ktcp_snmp rendering. */

#include <linux/percpu.h>

#include "mib.h"

static const char * const ktcp_mib_names[KTCP_MIB_MAX] = {
	[KTCP_MIB_ACTIVEOPENS]		= "ActiveOpens",
	[KTCP_MIB_PASSIVEOPENS]		= "PassiveOpens",
	[KTCP_MIB_ATTEMPTFAILS]		= "AttemptFails",
	[KTCP_MIB_ESTABRESETS]		= "EstabResets",
	[KTCP_MIB_INSEGS]		= "InSegs",
	[KTCP_MIB_OUTSEGS]		= "OutSegs",
	[KTCP_MIB_RETRANSSEGS]		= "RetransSegs",
	[KTCP_MIB_FASTRETRANS]		= "FastRetrans",
	[KTCP_MIB_DSACKRECV]		= "DSACKRecv",
	[KTCP_MIB_HYSTARTTRAINDETECT]	= "TCPHystartTrainDetect",
	[KTCP_MIB_HYSTARTDELAYDETECT]	= "TCPHystartDelayDetect",
	[KTCP_MIB_TCPFULLUNDO]		= "TCPFullUndo",
	[KTCP_MIB_TCPPARTIALUNDO]	= "TCPPartialUndo",
	[KTCP_MIB_TCPDSACKUNDO]		= "TCPDSACKUndo",
	[KTCP_MIB_TCPLOSSUNDO]		= "TCPLossUndo",
	[KTCP_MIB_TCPSPURIOUSRTOS]	= "TCPSpuriousRTOs",
	[KTCP_MIB_LOSSPROBES]		= "TCPLossProbes",
	[KTCP_MIB_LOSSPROBERECOVERY]	= "TCPLossProbeRecovery",
	[KTCP_MIB_SACKREORDER]		= "TCPSACKReorder",
	[KTCP_MIB_TCPSACKRENEGING]	= "TCPSACKReneging",
	[KTCP_MIB_INERRS]		= "InErrs",
	[KTCP_MIB_INCSUMERRORS]		= "InCsumErrors",
	[KTCP_MIB_OUTRSTS]		= "OutRsts",
	[KTCP_MIB_INRSTS]		= "InRsts",
	[KTCP_MIB_LISTENOVERFLOWS]	= "ListenOverflows",
	[KTCP_MIB_LISTENDROPS]		= "ListenDrops",
	[KTCP_MIB_REQQFULLDROP]		= "TCPReqQFullDrop",
	[KTCP_MIB_REQQFULLDOCOOKIES]	= "TCPReqQFullDoCookies",
	[KTCP_MIB_SYNCOOKIESSENT]	= "SyncookiesSent",
	[KTCP_MIB_SYNCOOKIESRECV]	= "SyncookiesRecv",
	[KTCP_MIB_SYNCOOKIESFAILED]	= "SyncookiesFailed",
	[KTCP_MIB_ACKSKIPPEDSYNRECV]	= "TCPACKSkippedSynRecv",
	[KTCP_MIB_EMBRYONICRSTS]	= "EmbryonicRsts",
	[KTCP_MIB_BACKLOGDROP]		= "BacklogDrop",
	[KTCP_MIB_SOCKETFILTERDROP]	= "SocketFilterDrop",
	[KTCP_MIB_OUTOFWINDOW]		= "OutOfWindow",
	[KTCP_MIB_PAWSREJECTED]		= "PAWSRejected",
	[KTCP_MIB_OFODROP]		= "OfoDrop",
	[KTCP_MIB_RCVQDROP]		= "RcvQDrop",
	[KTCP_MIB_OFOPRUNED]		= "OfoPruned",
	[KTCP_MIB_PRUNECALLED]		= "PruneCalled",
	[KTCP_MIB_RCVPRUNED]		= "RcvPruned",
	[KTCP_MIB_TCPRCVCOALESCE]	= "TCPRcvCoalesce",
	[KTCP_MIB_TCPRCVCOLLAPSED]	= "TCPRcvCollapsed",
	[KTCP_MIB_TCPMEMORYPRESSURES]	= "TCPMemoryPressures",
	[KTCP_MIB_TCPMEMORYPRESSURESCHRONO] = "TCPMemoryPressuresChrono",
	[KTCP_MIB_TWRECYCLED]		= "TimeWaitRecycled",
	[KTCP_MIB_CHALLENGEACKS]	= "ChallengeAcks",
	[KTCP_MIB_ACKUNSENTDATA]	= "AckUnsentData",
	[KTCP_MIB_TIMEOUTS]		= "Timeouts",
	[KTCP_MIB_ABORTONTIMEOUT]	= "AbortOnTimeout",
	[KTCP_MIB_ABORTONDATA]		= "AbortOnData",
	[KTCP_MIB_TCPABORTONMEMORY]	= "TCPAbortOnMemory",
	[KTCP_MIB_TCPTIMEWAITOVERFLOW]	= "TCPTimeWaitOverflow",
	[KTCP_MIB_TWEXPIRED]		= "TimeWaitExpired",
	[KTCP_MIB_KEEPALIVEDROPS]	= "KeepAliveDrops",
	[KTCP_MIB_DELAYEDACKS]		= "DelayedACKs",
	[KTCP_MIB_OOWRATELIMITED]	= "OutOfWindowRateLimited",
	[KTCP_MIB_OUTOFWINDOWICMPS]	= "OutOfWindowIcmps",
	[KTCP_MIB_LOCKDROPPEDICMPS]	= "LockDroppedIcmps",
	[KTCP_MIB_NOMEM]		= "NoMem",
	[KTCP_MIB_CURRESTAB]		= "CurrEstab",
	[KTCP_MIB_TCPDELIVEREDCE]	= "TCPDeliveredCE",
	[KTCP_MIB_TWREUSED]		= "TWRecycled",
	[KTCP_MIB_TCPABORTONLINGER]	= "TCPAbortOnLinger",
	[KTCP_MIB_TCPMINTTLDROP]	= "TCPMinTTLDrop",
	[KTCP_MIB_TCPTIMEOUTREHASH]	= "TcpTimeoutRehash",
	[KTCP_MIB_TCPDUPLICATEDATAREHASH] = "TcpDuplicateDataRehash",
	[KTCP_MIB_IN6EXTHDRSEGS]	= "In6ExtHdrSegs",
	[KTCP_MIB_TCPRETRANSFAIL]	= "TCPRetransFail",
	[KTCP_MIB_LOCALCONGESTION]	= "TCPLocalCongestion",
	[KTCP_MIB_TCPFASTOPENPASSIVE]	= "TCPFastOpenPassive",
	[KTCP_MIB_TCPFASTOPENPASSIVEFAIL] = "TCPFastOpenPassiveFail",
	[KTCP_MIB_TCPFASTOPENLISTENOVERFLOW] = "TCPFastOpenListenOverflow",
	[KTCP_MIB_TCPFASTOPENCOOKIEREQD] = "TCPFastOpenCookieReqd",
	[KTCP_MIB_TCPFASTOPENACTIVE]	= "TCPFastOpenActive",
	[KTCP_MIB_TCPFASTOPENACTIVEFAIL] = "TCPFastOpenActiveFail",
};

void ktcp_mib_seq_show(struct seq_file *seq, struct ktcp_mib __percpu *mib)
{
	unsigned long sum;
	int i, cpu;

	for (i = 0; i < KTCP_MIB_MAX; i++) {
		sum = 0;
		for_each_possible_cpu(cpu)
			sum += per_cpu_ptr(mib, cpu)->mibs[i];
		seq_printf(seq, "%s %lu\n", ktcp_mib_names[i], sum);
	}
}
