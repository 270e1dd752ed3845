// SPDX-License-Identifier: GPL-2.0
/*
 * ktcp_topo: the veth topology of the C tests, for the shell scripts
 * (userspace-tests/lib/topo.sh): the same code (ktcp_topo_pair() in
 * userspace-tests/lib/topo.c), so the tests, the benchmark and the
 * capture check run on one definition of it.
 *
 *   ktcp_topo pair NETNS_A IF_A NETNS_B IF_B [--wire]
 *       a veth pair, IF_A in NETNS_A with 198.18.0.1/24, IF_B in NETNS_B
 *       with 198.18.0.2/24 (netns files, e.g. /run/netns/NAME), IPv4
 *       only, up, carrier on; --wire: tx checksum, TSO and GSO off and
 *       gso_max_segs 1 on both ends, so every frame is one wire-sized
 *       segment with a complete checksum
 *   ktcp_topo wire IFNAME...
 *       the --wire settings on interfaces of the current netns
 *
 * Exit status: 0 on success, 1 on failure (the failed step on stderr),
 * 2 on a usage error.
 */
#include "../userspace-tests/lib/ktcptest.h"

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: ktcp_topo pair NETNS_A IF_A NETNS_B IF_B [--wire]\n"
		"       ktcp_topo wire IFNAME...\n");
	exit(2);
}

static int open_ns(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "ktcp_topo: open netns %s: %s\n", path,
			strerror(errno));
		exit(1);
	}
	return fd;
}

static int do_pair(int argc, char **argv)
{
	struct ktcp_topo tp = { .if_a = argv[1], .if_b = argv[3] };
	char err[256];

	if (argc == 5 && !strcmp(argv[4], "--wire"))
		tp.wire = true;
	else if (argc != 4)
		usage();
	tp.ns_a = open_ns(argv[0]);
	tp.ns_b = open_ns(argv[2]);
	if (ktcp_topo_pair(&tp, err, sizeof(err))) {
		fprintf(stderr, "ktcp_topo: %s\n", err);
		return 1;
	}
	return 0;
}

static int do_wire(int argc, char **argv)
{
	const char *what = "";
	int i, ret, rc = 0;

	if (argc < 1)
		usage();
	for (i = 0; i < argc; i++) {
		ret = ktcp_if_wire(argv[i], &what);
		if (ret) {
			fprintf(stderr, "ktcp_topo: %s: turning %s off: %s\n",
				argv[i], what, strerror(-ret));
			rc = 1;
		}
	}
	return rc;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "pair"))
		return do_pair(argc - 2, argv + 2);
	if (argc >= 2 && !strcmp(argv[1], "wire"))
		return do_wire(argc - 2, argv + 2);
	usage();
}
