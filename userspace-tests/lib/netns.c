// SPDX-License-Identifier: GPL-2.0
/*
 * Network namespaces, interfaces and the one veth topology every test,
 * script and tool uses (ktcp_topo_pair(); tools/ktcp_topo runs it for the
 * shell scripts). ioctl and rtnetlink only, no ip(8), so that the C tests
 * work in a minimal VM; the netem qdisc is tc's job.
 */
#include <net/if.h>
#include <sys/ioctl.h>
#include <linux/ethtool.h>
#include <linux/gen_stats.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <linux/veth.h>

#include "ktcptest.h"

/* An AF_INET datagram socket and an ifreq for @ifname, for ioctls. */
static int if_sock(const char *ifname, struct ifreq *ifr)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(ifr, 0, sizeof(*ifr));
	snprintf(ifr->ifr_name, IFNAMSIZ, "%s", ifname);
	return fd < 0 ? -errno : fd;
}

/* Set and clear flags; with neither, return the flags. */
int ktcp_if_flags(const char *ifname, short set, short clear)
{
	struct ifreq ifr;
	int fd = if_sock(ifname, &ifr), ret = 0;

	if (fd < 0)
		return fd;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
		ret = -errno;
		goto out;
	}
	ifr.ifr_flags = (ifr.ifr_flags | set) & ~clear;
	if ((set || clear) && ioctl(fd, SIOCSIFFLAGS, &ifr))
		ret = -errno;
	else if (!set && !clear)
		ret = (unsigned short)ifr.ifr_flags;
out:
	close(fd);
	return ret;
}

int ktcp_if_hwaddr(const char *ifname, unsigned char mac[6], bool set)
{
	struct ifreq ifr;
	int fd = if_sock(ifname, &ifr), ret = 0;

	if (fd < 0)
		return fd;
	if (set) {
		ifr.ifr_hwaddr.sa_family = 1;	/* ARPHRD_ETHER */
		memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
		if (ioctl(fd, SIOCSIFHWADDR, &ifr))
			ret = -errno;
	} else {
		if (ioctl(fd, SIOCGIFHWADDR, &ifr))
			ret = -errno;
		else
			memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	}
	close(fd);
	return ret;
}

int ktcp_if_up(const char *ifname)
{
	return ktcp_if_flags(ifname, IFF_UP, 0);
}

/* @ip/@prefix on @ifname (SIOCSIFADDR + SIOCSIFNETMASK). */
int ktcp_if_addr(const char *ifname, const char *ip, int prefix)
{
	struct ifreq ifr;
	int fd = if_sock(ifname, &ifr), ret = 0;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;

	if (fd < 0)
		return fd;
	*sin = ktcp_sin(ip, 0);
	if (ioctl(fd, SIOCSIFADDR, &ifr)) {
		ret = -errno;
		goto out;
	}
	sin->sin_addr.s_addr = htonl(prefix ? ~0U << (32 - prefix) : 0);
	if (ioctl(fd, SIOCSIFNETMASK, &ifr))
		ret = -errno;
out:
	close(fd);
	return ret;
}

bool ktcp_wait_running(const char *ifname, int timeout_ms)
{
	long long end = ktcp_now_ms() + timeout_ms;

	for (;;) {
		int fl = ktcp_if_flags(ifname, 0, 0);

		if (fl >= 0 && (fl & IFF_RUNNING))
			return true;
		if (ktcp_now_ms() > end)
			return false;
		ktcp_sleep_ms(20);
	}
}

/* ---- rtnetlink ---- */

struct nl_req {
	struct nlmsghdr n;
	union {
		struct ifinfomsg i;	/* RTM_NEWLINK */
		struct ifaddrmsg a;	/* RTM_NEWADDR */
	};
	char buf[512];
};

/* @len bytes of @data at the end of the message, aligned. */
static void *nl_put(struct nl_req *req, const void *data, size_t len)
{
	char *p = (char *)req + NLMSG_ALIGN(req->n.nlmsg_len);

	if (NLMSG_ALIGN(req->n.nlmsg_len) + NLMSG_ALIGN(len) > sizeof(*req))
		abort();
	if (len)
		memcpy(p, data, len);
	req->n.nlmsg_len = NLMSG_ALIGN(req->n.nlmsg_len) + NLMSG_ALIGN(len);
	return p;
}

static void nla_put(struct nl_req *req, int type, const void *data,
		    size_t len)
{
	struct nlmsghdr *n = &req->n;
	struct nlattr *a = (void *)((char *)req + NLMSG_ALIGN(n->nlmsg_len));

	if (NLMSG_ALIGN(n->nlmsg_len) + NLA_HDRLEN + NLA_ALIGN(len) >
	    sizeof(*req))
		abort();
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + NLA_ALIGN(a->nla_len);
}

static struct nlattr *nla_nest(struct nl_req *req, int type)
{
	struct nlattr *a = (void *)((char *)req +
				    NLMSG_ALIGN(req->n.nlmsg_len));

	nla_put(req, type, NULL, 0);	/* as iproute2 */
	return a;
}

static void nla_end(struct nl_req *req, struct nlattr *a)
{
	a->nla_len = (char *)req + req->n.nlmsg_len - (char *)a;
}

static void nl_init(struct nl_req *req, int flags, int ifindex)
{
	memset(req, 0, sizeof(*req));
	req->n.nlmsg_len = NLMSG_LENGTH(sizeof(req->i));
	req->n.nlmsg_type = RTM_NEWLINK;
	req->n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	req->n.nlmsg_seq = 1;
	req->i.ifi_family = AF_UNSPEC;
	req->i.ifi_index = ifindex;
}

/* Send @req and read the kernel's answer: 0 or -errno. */
static int nl_talk(struct nl_req *req)
{
	struct {
		struct nlmsghdr n;
		struct nlmsgerr e;
		char buf[512];
	} ack;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, ret;
	ssize_t n;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (sendto(fd, req, req->n.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		ret = -errno;
		goto out;
	}
	n = recv(fd, &ack, sizeof(ack), 0);
	if (n < 0)
		ret = -errno;
	else if (n < (ssize_t)NLMSG_LENGTH(sizeof(ack.e)) ||
		 ack.n.nlmsg_type != NLMSG_ERROR)
		ret = -EPROTO;
	else
		ret = ack.e.error;
out:
	close(fd);
	return ret;
}

/* -EOPNOTSUPP: no veth driver. */
int ktcp_veth_create(const char *name, const char *peer, int peer_nsfd)
{
	struct nlattr *linkinfo, *data, *peerinfo;
	struct ifinfomsg pi = { .ifi_family = AF_UNSPEC };
	struct nl_req req;

	nl_init(&req, NLM_F_CREATE | NLM_F_EXCL, 0);
	nla_put(&req, IFLA_IFNAME, name, strlen(name) + 1);
	linkinfo = nla_nest(&req, IFLA_LINKINFO);
	nla_put(&req, IFLA_INFO_KIND, "veth", 5);
	data = nla_nest(&req, IFLA_INFO_DATA);
	peerinfo = nla_nest(&req, VETH_INFO_PEER);
	/* struct ifinfomsg is the peer attribute's header */
	nl_put(&req, &pi, sizeof(pi));
	nla_put(&req, IFLA_IFNAME, peer, strlen(peer) + 1);
	nla_put(&req, IFLA_NET_NS_FD, &peer_nsfd, sizeof(peer_nsfd));
	nla_end(&req, peerinfo);
	nla_end(&req, data);
	nla_end(&req, linkinfo);
	return nl_talk(&req);
}

/* `ip -6 addr add @ip/@prefix dev @ifname nodad` */
int ktcp_if_addr6(const char *ifname, const char *ip, int prefix)
{
	int idx = if_nametoindex(ifname);
	struct in6_addr a;
	struct nl_req req;

	if (!idx)
		return -errno;
	if (inet_pton(AF_INET6, ip, &a) != 1)
		return -EINVAL;
	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = NLMSG_LENGTH(sizeof(req.a));
	req.n.nlmsg_type = RTM_NEWADDR;
	req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
			    NLM_F_EXCL;
	req.n.nlmsg_seq = 1;
	req.a.ifa_family = AF_INET6;
	req.a.ifa_prefixlen = prefix;
	req.a.ifa_flags = IFA_F_NODAD;	/* usable once the link is up */
	req.a.ifa_index = idx;
	nla_put(&req, IFA_LOCAL, &a, sizeof(a));
	nla_put(&req, IFA_ADDRESS, &a, sizeof(a));
	return nl_talk(&req);
}

/*
 * Even without DAD an address stays tentative until its link has a
 * carrier and addrconf's dad_work ran: wait until native TCP can bind it.
 */
bool ktcp_wait_addr6(const char *ifname, const char *ip, int timeout_ms)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6 };
	long long end = ktcp_now_ms() + timeout_ms;
	int fd, ret;

	sa.sin6_scope_id = if_nametoindex(ifname);
	if (inet_pton(AF_INET6, ip, &sa.sin6_addr) != 1)
		return false;
	for (;;) {
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		ret = fd < 0 ? -1 : bind(fd, (struct sockaddr *)&sa,
					 sizeof(sa));
		if (fd >= 0)
			close(fd);
		if (!ret)
			return true;
		if (ktcp_now_ms() > end)
			return false;
		ktcp_sleep_ms(20);
	}
}

/* `ip link set dev @ifname gso_max_segs @segs` */
static int if_gso_max_segs(const char *ifname, uint32_t segs)
{
	int idx = if_nametoindex(ifname);
	struct nl_req req;

	if (!idx)
		return -errno;
	nl_init(&req, 0, idx);
	nla_put(&req, IFLA_GSO_MAX_SEGS, &segs, sizeof(segs));
	return nl_talk(&req);
}

/* ---- offloads ---- */

static int ethtool_set(int fd, const char *ifname, uint32_t cmd, uint32_t val)
{
	struct ethtool_value ev = { .cmd = cmd, .data = val };
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
	ifr.ifr_data = (void *)&ev;
	return ioctl(fd, SIOCETHTOOL, &ifr) ? -errno : 0;
}

/*
 * `ethtool -K DEV tx off tso off gso off` without ethtool: veth otherwise
 * hands CHECKSUM_PARTIAL skbs to its peer, whose stack trusts them, and a
 * capture shows unfinished checksums.
 */
static int offloads_off(const char *ifname, const char **what)
{
	static const struct {
		uint32_t cmd;
		const char *name;
	} steps[] = {
		{ ETHTOOL_STXCSUM, "tx-checksumming" },
		{ ETHTOOL_STSO, "tcp-segmentation-offload" },
		{ ETHTOOL_SGSO, "generic-segmentation-offload" },
	};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;
	size_t i;

	if (fd < 0) {
		*what = "socket";
		return -errno;
	}
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		ret = ethtool_set(fd, ifname, steps[i].cmd, 0);
		if (ret) {
			*what = steps[i].name;
			break;
		}
	}
	close(fd);
	return ret;
}

/* Native TCP always builds GSO skbs: gso_max_segs 1 makes them one each. */
int ktcp_if_wire(const char *ifname, const char **what)
{
	int ret = offloads_off(ifname, what);

	if (ret)
		return ret;
	ret = if_gso_max_segs(ifname, 1);
	if (ret)
		*what = "gso_max_segs 1";
	return ret;
}

/* The TCA_STATS_QUEUE of one RTM_NEWQDISC message, if it is @ifindex's root. */
static bool qdisc_root_queue(const struct nlmsghdr *n, int ifindex,
			     struct gnet_stats_queue *q)
{
	const struct tcmsg *t = NLMSG_DATA(n);
	const struct rtattr *a, *s;
	int len = n->nlmsg_len - NLMSG_LENGTH(sizeof(*t)), slen;

	if (n->nlmsg_type != RTM_NEWQDISC || len < 0 ||
	    t->tcm_ifindex != ifindex || t->tcm_parent != TC_H_ROOT)
		return false;
	for (a = (const void *)((const char *)t + NLMSG_ALIGN(sizeof(*t)));
	     RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type != TCA_STATS2)
			continue;
		slen = RTA_PAYLOAD(a);
		for (s = RTA_DATA(a); RTA_OK(s, slen); s = RTA_NEXT(s, slen)) {
			if (s->rta_type != TCA_STATS_QUEUE ||
			    RTA_PAYLOAD(s) < sizeof(*q))
				continue;
			memcpy(q, RTA_DATA(s), sizeof(*q));
			return true;
		}
	}
	return false;
}

int ktcp_qdisc_queue(const char *ifname, struct gnet_stats_queue *q)
{
	struct {
		struct nlmsghdr n;
		struct tcmsg t;
	} req = {
		.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
		.n.nlmsg_type = RTM_GETQDISC,
		.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.n.nlmsg_seq = 1,
		.t.tcm_family = AF_UNSPEC,
	};
	static char buf[32768];
	int ifindex = if_nametoindex(ifname), fd, ret = -ENOENT, len;
	struct nlmsghdr *n;
	bool done = false;

	if (!ifindex)
		return -ENODEV;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	if (send(fd, &req, req.n.nlmsg_len, 0) < 0) {
		ret = -errno;
		goto out;
	}
	while (!done) {
		len = recv(fd, buf, sizeof(buf), 0);
		if (len <= 0) {
			ret = len ? -errno : -EPROTO;
			break;
		}
		for (n = (void *)buf; NLMSG_OK(n, len); n = NLMSG_NEXT(n, len)) {
			if (n->nlmsg_type == NLMSG_DONE ||
			    n->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			if (ret && qdisc_root_queue(n, ifindex, q))
				ret = 0;
		}
	}
out:
	close(fd);
	return ret;
}
