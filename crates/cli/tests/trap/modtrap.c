/*
 * modtrap.so — an LD_PRELOAD trap for comparing module tools without touching
 * the running kernel (modhost's tests; written for this project).
 *
 * It intercepts what kmod 30 and modhost call through the C library:
 *   - init_module(), delete_module() (glibc's wrappers) and syscall() for
 *     finit_module (and, to expose them, raw init_module/delete_module);
 *     each call is appended to $MODTRAP_LOG and answered from the
 *     comma-separated errno lists $MODTRAP_FINIT, $MODTRAP_INIT and
 *     $MODTRAP_DELETE (one entry per call, the last one repeating; 0 = success);
 *   - uname(): the release becomes $MODTRAP_RELEASE when set;
 *   - the file-name functions (open, fopen, stat, statx, opendir, access, ...):
 *     absolute paths below /proc/modules, /sys/module and /lib/modules are
 *     looked up under $MODTRAP_ROOT instead.
 * Any other system call made through syscall() is passed on unchanged.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <unistd.h>

static const char *const prefixes[] = { "/proc/modules", "/sys/module", "/lib/modules", NULL };

static long real_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5);

static int nth_result(const char *var, int n)
{
	const char *s = getenv(var);
	long v = 0;
	int i = 0;

	if (s == NULL || *s == '\0')
		return 0;
	for (;;) {
		char *end;
		v = strtol(s, &end, 10);
		if (i == n || *end != ',')
			return (int)v;
		s = end + 1;
		i++;
	}
}

static void logf_(const char *fmt, ...)
{
	const char *path = getenv("MODTRAP_LOG");
	char buf[8192];
	va_list ap;
	int fd, n;

	if (path == NULL)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	fd = (int)real_syscall(SYS_openat, AT_FDCWD, (long)path,
			       O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644, 0, 0);
	if (fd < 0)
		return;
	(void)!write(fd, buf, n);
	close(fd);
}

static void *real(const char *name)
{
	return dlsym(RTLD_NEXT, name);
}

/* ---- paths ----------------------------------------------------------- */

static const char *redirect(const char *path, char buf[PATH_MAX])
{
	const char *root = getenv("MODTRAP_ROOT");
	size_t i;

	if (path == NULL || root == NULL || path[0] != '/')
		return path;
	for (i = 0; prefixes[i] != NULL; i++) {
		size_t n = strlen(prefixes[i]);
		if (strncmp(path, prefixes[i], n) == 0 && (path[n] == '\0' || path[n] == '/')) {
			if ((size_t)snprintf(buf, PATH_MAX, "%s%s", root, path) >= PATH_MAX)
				return path;
			return buf;
		}
	}
	return path;
}

#define WRAP_OPEN(fn)							\
int fn(const char *path, int flags, ...)				\
{									\
	static int (*f)(const char *, int, ...);			\
	char b[PATH_MAX];						\
	mode_t mode = 0;						\
	if (flags & (O_CREAT | O_TMPFILE)) {				\
		va_list ap;						\
		va_start(ap, flags);					\
		mode = va_arg(ap, mode_t);				\
		va_end(ap);						\
	}								\
	if (!f)								\
		f = real(#fn);						\
	return f(redirect(path, b), flags, mode);			\
}
WRAP_OPEN(open)
WRAP_OPEN(open64)

#define WRAP_OPENAT(fn)							\
int fn(int dirfd, const char *path, int flags, ...)			\
{									\
	static int (*f)(int, const char *, int, ...);			\
	char b[PATH_MAX];						\
	mode_t mode = 0;						\
	if (flags & (O_CREAT | O_TMPFILE)) {				\
		va_list ap;						\
		va_start(ap, flags);					\
		mode = va_arg(ap, mode_t);				\
		va_end(ap);						\
	}								\
	if (!f)								\
		f = real(#fn);						\
	return f(dirfd, redirect(path, b), flags, mode);		\
}
WRAP_OPENAT(openat)
WRAP_OPENAT(openat64)

#define WRAP1(ret, fn, T2)						\
ret fn(const char *path, T2 a)					\
{									\
	static ret (*f)(const char *, T2);				\
	char b[PATH_MAX];						\
	if (!f)								\
		f = real(#fn);						\
	return f(redirect(path, b), a);					\
}
WRAP1(FILE *, fopen, const char *)
WRAP1(FILE *, fopen64, const char *)
WRAP1(int, stat, struct stat *)
WRAP1(int, stat64, struct stat64 *)
WRAP1(int, lstat, struct stat *)
WRAP1(int, lstat64, struct stat64 *)
WRAP1(int, access, int)
WRAP1(int, mkdir, mode_t)

DIR *opendir(const char *path)
{
	static DIR *(*f)(const char *);
	char b[PATH_MAX];
	if (!f)
		f = real("opendir");
	return f(redirect(path, b));
}

ssize_t readlink(const char *path, char *out, size_t n)
{
	static ssize_t (*f)(const char *, char *, size_t);
	char b[PATH_MAX];
	if (!f)
		f = real("readlink");
	return f(redirect(path, b), out, n);
}

#define WRAP_AT(fn, T)							\
int fn(int dirfd, const char *path, T st, int flags)			\
{									\
	static int (*f)(int, const char *, T, int);			\
	char b[PATH_MAX];						\
	if (!f)								\
		f = real(#fn);						\
	return f(dirfd, redirect(path, b), st, flags);			\
}
WRAP_AT(fstatat, struct stat *)
WRAP_AT(fstatat64, struct stat64 *)

int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *st)
{
	char b[PATH_MAX];
	return (int)real_syscall(SYS_statx, dirfd, (long)redirect(path, b), flags, mask, (long)st, 0);
}

/* ---- uname ----------------------------------------------------------- */

int uname(struct utsname *u)
{
	static int (*f)(struct utsname *);
	const char *rel = getenv("MODTRAP_RELEASE");
	int r;

	if (!f)
		f = real("uname");
	r = f(u);
	if (r == 0 && rel != NULL) {
		strncpy(u->release, rel, sizeof(u->release) - 1);
		u->release[sizeof(u->release) - 1] = '\0';
	}
	return r;
}

/* ---- the module system calls ----------------------------------------- */

static int calls_finit, calls_init, calls_delete;

static uint64_t fnv1a(const void *p, unsigned long n)
{
	const unsigned char *c = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned long i;
	for (i = 0; i < n; i++) {
		h ^= c[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static long answer(int err)
{
	if (err == 0)
		return 0;
	errno = err;
	return -1;
}

static long trap_finit(int fd, const char *args, int flags)
{
	char link[64], target[PATH_MAX];
	ssize_t n;
	int err = nth_result("MODTRAP_FINIT", calls_finit++);

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = real_syscall(SYS_readlinkat, AT_FDCWD, (long)link, (long)target, sizeof(target) - 1, 0, 0);
	target[n < 0 ? 0 : n] = '\0';
	logf_("finit_module file=%s args='%s' flags=%d -> %d\n", target, args ? args : "(null)", flags, err);
	return answer(err);
}

long init_module(const void *mem, unsigned long len, const char *args)
{
	int err = nth_result("MODTRAP_INIT", calls_init++);
	logf_("init_module len=%lu fnv=%016llx args='%s' -> %d\n", len,
	      (unsigned long long)fnv1a(mem, len), args ? args : "(null)", err);
	return answer(err);
}

long delete_module(const char *name, unsigned int flags)
{
	int err = nth_result("MODTRAP_DELETE", calls_delete++);
	logf_("delete_module name='%s' flags=%#o -> %d\n", name, flags, err);
	return answer(err);
}

static long real_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	static long (*f)(long, ...);
	if (!f)
		f = real("syscall");
	return f(nr, a0, a1, a2, a3, a4, a5);
}

long syscall(long nr, ...)
{
	long a[6];
	va_list ap;
	int i;
	char b[PATH_MAX];

	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);

	switch (nr) {
	case SYS_finit_module:
		return trap_finit((int)a[0], (const char *)a[1], (int)a[2]);
	case SYS_init_module:
		logf_("raw syscall init_module\n");
		return init_module((const void *)a[0], (unsigned long)a[1], (const char *)a[2]);
	case SYS_delete_module:
		logf_("raw syscall delete_module\n");
		return delete_module((const char *)a[0], (unsigned int)a[1]);
	case SYS_statx:
		a[1] = (long)redirect((const char *)a[1], b);
		break;
	}
	return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}
