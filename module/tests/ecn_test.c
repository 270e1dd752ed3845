// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for ecn.c's decisions (RFC 3168 as Linux 6.12 makes them):
 * negotiation from the sysctl, the route and the SYN's flags; the ECE/CWR
 * state machine on both sides; ECT on what is sent. The CWR state itself
 * is recovery.c's and cong.c's (cong_test.c).
 */

#include <kunit/test.h>
#include <net/inet_ecn.h>

#include "../ecn.h"

#define ECE	TCPHDR_ECE
#define CWR	TCPHDR_CWR

/* tcp_ecn_send_syn(): only tcp_ecn=1 or the route's ecn feature asks. */
static void ecn_syn_wanted(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_syn_wanted(0, false));
	KUNIT_EXPECT_TRUE(test, ktcp_ecn_syn_wanted(1, false));
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_syn_wanted(2, false));
	KUNIT_EXPECT_TRUE(test, ktcp_ecn_syn_wanted(0, true));
	KUNIT_EXPECT_TRUE(test, ktcp_ecn_syn_wanted(2, true));
}

/* tcp_ecn_create_request(): every sysctl value but 0 accepts. */
static void ecn_req_accept_sysctl(struct kunit *test)
{
	u8 syn = TCPHDR_SYN | ECE | CWR;

	KUNIT_EXPECT_FALSE(test, ktcp_ecn_req_accept(0, 0, syn, false, 0));
	KUNIT_EXPECT_TRUE(test, ktcp_ecn_req_accept(1, 0, syn, false, 0));
	KUNIT_EXPECT_TRUE(test, ktcp_ecn_req_accept(2, 0, syn, false, 0));
	/* The route's ecn feature accepts with the sysctl at 0. */
	KUNIT_EXPECT_TRUE(test, ktcp_ecn_req_accept(0, RTAX_FEATURE_ECN, syn,
						    false, 0));
}

/* Only ECE and CWR together ask; an ECN-marked SYN was re-marked. */
static void ecn_req_accept_syn(struct kunit *test)
{
	u8 syn = TCPHDR_SYN;

	KUNIT_EXPECT_FALSE(test, ktcp_ecn_req_accept(2, 0, syn, false, 0));
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_req_accept(2, 0, syn | ECE, false,
						     0));
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_req_accept(2, 0, syn | CWR, false,
						     0));
	syn |= ECE | CWR;
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_req_accept(2, 0, syn, false,
						     INET_ECN_ECT_0));
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_req_accept(2, 0, syn, false,
						     INET_ECN_CE));
	/* The DSCP bits do not matter. */
	KUNIT_EXPECT_TRUE(test, ktcp_ecn_req_accept(2, 0, syn, false, 0xb8));
	/* RFC 8311 4.3: a reserved bit set, an ECT SYN is fine. */
	KUNIT_EXPECT_TRUE(test, ktcp_ecn_req_accept(2, 0, syn, true,
						    INET_ECN_ECT_1));
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_req_accept(0, 0, syn, true,
						     INET_ECN_ECT_1));
	/* A route's congestion control that needs ECN takes anything. */
	KUNIT_EXPECT_TRUE(test, ktcp_ecn_req_accept(0, DST_FEATURE_ECN_CA, syn,
						    false, INET_ECN_CE));
}

/* The client's side: SYN-ACK, simultaneous SYN, SYN retransmission. */
static void ecn_client(struct kunit *test)
{
	u8 sa = TCPHDR_SYN | TCPHDR_ACK;

	KUNIT_EXPECT_TRUE(test, ktcp_ecn_synack_ok(sa | ECE));
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_synack_ok(sa));
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_synack_ok(sa | ECE | CWR));
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_synack_ok(sa | CWR));
	KUNIT_EXPECT_TRUE(test, ktcp_ecn_syn_ok(TCPHDR_SYN | ECE | CWR));
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_syn_ok(TCPHDR_SYN | ECE));
	/* RFC 3168 6.1.1.1: with fallback, the resent SYN asks no more. */
	KUNIT_EXPECT_EQ(test, ktcp_ecn_rtx_syn_flags(TCPHDR_SYN_ECN, true),
			TCPHDR_SYN);
	KUNIT_EXPECT_EQ(test, ktcp_ecn_rtx_syn_flags(TCPHDR_SYN_ECN, false),
			TCPHDR_SYN_ECN);
	/* Not a SYN (data with CWR), or a SYN-ACK with ECE: unchanged. */
	KUNIT_EXPECT_EQ(test, ktcp_ecn_rtx_syn_flags(TCPHDR_ACK | CWR, true),
			TCPHDR_ACK | CWR);
	KUNIT_EXPECT_EQ(test, ktcp_ecn_rtx_syn_flags(sa | ECE, true),
			sa | ECE);
}

/* Receiver: CE demands CWR, ECE on every ACK until CWR arrives. */
static void ecn_receiver(struct kunit *test)
{
	u8 f = 0, th;

	KUNIT_EXPECT_FALSE(test, ktcp_ecn_ce_check(&f, INET_ECN_NOT_ECT));
	KUNIT_EXPECT_EQ(test, f, 0);
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_ce_check(&f, INET_ECN_ECT_0));
	KUNIT_EXPECT_EQ(test, f, TCP_ECN_SEEN);
	/* Not-ECT after ECT: likely a retransmission, ACK quickly. */
	KUNIT_EXPECT_TRUE(test, ktcp_ecn_ce_check(&f, INET_ECN_NOT_ECT));
	/* The first CE asks for quick ACKs; the next ones do not. */
	KUNIT_EXPECT_TRUE(test, ktcp_ecn_ce_check(&f, INET_ECN_CE));
	KUNIT_EXPECT_TRUE(test, f & TCP_ECN_DEMAND_CWR);
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_ce_check(&f, INET_ECN_CE | 0xb8));
	th = TCPHDR_ACK;
	KUNIT_EXPECT_EQ(test, ktcp_ecn_xmit_flags(&f, false, &th),
			INET_ECN_NOT_ECT);
	KUNIT_EXPECT_EQ(test, th, TCPHDR_ACK | ECE);
	/* A segment without CWR changes nothing; with CWR the echo ends. */
	ktcp_ecn_cwr_check(&f, TCPHDR_ACK, true);
	KUNIT_EXPECT_TRUE(test, f & TCP_ECN_DEMAND_CWR);
	ktcp_ecn_cwr_check(&f, TCPHDR_ACK | CWR, false);
	KUNIT_EXPECT_FALSE(test, f & TCP_ECN_DEMAND_CWR);
	KUNIT_EXPECT_FALSE(test, f & KTCP_ECN_ACK_NOW);
	/* CWR on data asks for one ACK at once. */
	ktcp_ecn_cwr_check(&f, TCPHDR_ACK | CWR, true);
	KUNIT_EXPECT_TRUE(test, f & KTCP_ECN_ACK_NOW);
	th = TCPHDR_ACK;
	ktcp_ecn_xmit_flags(&f, false, &th);
	KUNIT_EXPECT_EQ(test, th, TCPHDR_ACK);
	/* The next CE asks again, quick ACKs included. */
	KUNIT_EXPECT_TRUE(test, ktcp_ecn_ce_check(&f, INET_ECN_CE));
}

/* Sender: ECT(0) on new data only; a queued CWR on the first of it. */
static void ecn_sender_marks(struct kunit *test)
{
	u8 f = TCP_ECN_QUEUE_CWR, th = TCPHDR_ACK;

	/* A pure ACK or a retransmission: Not-ECT, CWR stays queued. */
	KUNIT_EXPECT_EQ(test, ktcp_ecn_xmit_flags(&f, false, &th),
			INET_ECN_NOT_ECT);
	KUNIT_EXPECT_EQ(test, th, TCPHDR_ACK);
	KUNIT_EXPECT_EQ(test, f, TCP_ECN_QUEUE_CWR);
	th = TCPHDR_ACK | TCPHDR_PSH;
	KUNIT_EXPECT_EQ(test, ktcp_ecn_xmit_flags(&f, true, &th),
			INET_ECN_ECT_0);
	KUNIT_EXPECT_EQ(test, th, TCPHDR_ACK | TCPHDR_PSH | CWR);
	KUNIT_EXPECT_EQ(test, f, 0);
	th = TCPHDR_ACK;
	KUNIT_EXPECT_EQ(test, ktcp_ecn_xmit_flags(&f, true, &th),
			INET_ECN_ECT_0);
	KUNIT_EXPECT_EQ(test, th, TCPHDR_ACK);
	/* ECE is an echo only on an ECN connection and not on a SYN-ACK. */
	KUNIT_EXPECT_TRUE(test, ktcp_ecn_is_echo(true, TCPHDR_ACK | ECE));
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_is_echo(false, TCPHDR_ACK | ECE));
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_is_echo(true, TCPHDR_ACK));
	KUNIT_EXPECT_FALSE(test, ktcp_ecn_is_echo(true, TCPHDR_SYN |
						   TCPHDR_ACK | ECE));
}

static struct kunit_case ecn_cases[] = {
	KUNIT_CASE(ecn_syn_wanted),
	KUNIT_CASE(ecn_req_accept_sysctl),
	KUNIT_CASE(ecn_req_accept_syn),
	KUNIT_CASE(ecn_client),
	KUNIT_CASE(ecn_receiver),
	KUNIT_CASE(ecn_sender_marks),
	{}
};

static struct kunit_suite ecn_suite = {
	.name = "ktcp_ecn",
	.test_cases = ecn_cases,
};

kunit_test_suite(ecn_suite);
