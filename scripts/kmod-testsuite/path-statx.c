/*
 * modhost: appended to kmod 30's testsuite/path.c by scripts/kmod-testsuite.sh
 * when it builds the suite's trap library path.so.  Not part of kmod.
 *
 * path.so makes a tool see the test's rootfs as "/" by rewriting absolute
 * paths given to open(), stat(), opendir(), ... .  kmod's tools only call
 * those; Rust's standard library asks the same questions through statx()
 * (std::fs::metadata, Path::exists, symlink_metadata: glibc's statx(), looked
 * up with dlsym so that an LD_PRELOAD library can interpose it).  Without a
 * wrapper such a question would be answered about the build machine's real
 * "/" instead of the rootfs: a gap in the trap, not a difference in what the
 * tool does.  The wrapper below rewrites the path exactly as the suite's own
 * stat() wrapper does (absolute paths outside the build tree only; paths
 * relative to a directory fd are left alone, as the suite leaves openat()) and
 * passes every other argument through unchanged.
 */
TS_EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask,
		    struct statx *stx)
{
	const char *p;
	char buf[PATH_MAX * 2];
	static int (*_fn)(int, const char *, int, unsigned int, struct statx *);

	if (!get_rootpath(__func__))
		return -1;
	_fn = get_libc_func("statx");
	p = trap_path(path, buf);
	if (p == NULL)
		return -1;
	return _fn(dirfd, p, flags, mask, stx);
}
