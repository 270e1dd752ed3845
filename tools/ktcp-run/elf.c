// SPDX-License-Identifier: GPL-2.0
/*
 * Static or dynamic? A binary with no PT_INTERP program header is never
 * seen by ld.so, so LD_PRELOAD cannot reach it and the launcher has to
 * supervise its system calls instead. Static-PIE binaries are ET_DYN yet
 * have no PT_INTERP either, so the program header is what is checked, not
 * the ELF type.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ktcp-run.h"

/* PROG as execvp() would find it; NULL when it is not there */
static char *find_in_path(const char *prog, char *buf, size_t len)
{
	const char *path = getenv("PATH");
	const char *p, *end;

	if (strchr(prog, '/')) {
		if ((size_t)snprintf(buf, len, "%s", prog) >= len || access(buf, X_OK))
			return NULL;
		return buf;
	}
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	for (p = path; ; p = end + 1) {
		int n;

		end = strchrnul(p, ':');
		n = snprintf(buf, len, "%.*s%s%s", (int)(end - p), p,
			     end == p ? "" : "/", prog);
		if (n > 0 && (size_t)n < len && access(buf, X_OK) == 0)
			return buf;
		if (!*end)
			return NULL;
	}
}

/* 1: no PT_INTERP, 0: has one, -1: not a native ELF64 we can read */
static int elf64_is_static(int fd)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int i;

	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_phentsize != sizeof(ph))
		return -1;
	for (i = 0; i < eh.e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), eh.e_phoff + (off_t)i * sizeof(ph)) !=
		    sizeof(ph))
			return -1;
		if (ph.p_type == PT_INTERP)
			return 0;
	}
	return 1;
}

/*
 * A "#!" script is run by its interpreter: look at that one instead (one
 * level, as the kernel's own binfmt_script does for the common case).
 */
static int script_interp(int fd, char *buf, size_t len)
{
	char line[PATH_MAX + 2];
	ssize_t n = pread(fd, line, sizeof(line) - 1, 0);
	char *s, *e;

	if (n < 3 || line[0] != '#' || line[1] != '!')
		return -1;
	line[n] = '\0';
	for (s = line + 2; *s == ' ' || *s == '\t'; s++)
		;
	e = s + strcspn(s, " \t\n");
	if (e == s || (size_t)(e - s) >= len)
		return -1;
	memcpy(buf, s, e - s);
	buf[e - s] = '\0';
	return 0;
}

int ktcp_run_is_static(const char *prog, bool verbose)
{
	char path[PATH_MAX];
	int fd, ret, depth;

	if (!find_in_path(prog, path, sizeof(path)))
		return 0;	/* exec will fail and say so */
	for (depth = 0; depth < 2; depth++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 0;
		ret = elf64_is_static(fd);
		if (ret < 0 && depth == 0 && script_interp(fd, path, sizeof(path)) == 0) {
			close(fd);
			continue;
		}
		close(fd);
		if (verbose)
			fprintf(stderr, "ktcp-run: %s: %s\n", path,
				ret > 0 ? "static (no PT_INTERP): supervisor" :
				ret == 0 ? "dynamic: preload" :
				"not an ELF64 binary: preload");
		return ret > 0;
	}
	return 0;
}
