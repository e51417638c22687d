# install.sh: `make install` honours PREFIX and DESTDIR; the installed
# libcprof.so exports only cprof_* and the functions it interposes; a
# program builds against the installed header with pkg-config, both shared
# and static, and runs with a working CPU profile.
source "$(dirname "$0")/../lib.sh"
stage=$TMP/stage
prefix=/opt/cprof-test

DESTDIR=$stage cmake --install "$CPROF_BUILD_DIR" --prefix "$prefix" >"$TMP/log" 2>&1 ||
	{ cat "$TMP/log"; fail "cmake --install failed"; }
root=$stage$prefix
for f in include/cprof.h lib/libcprof.so lib/libcprof.a lib/pkgconfig/cprof.pc; do
	[[ -e $root/$f ]] || fail "missing $f under DESTDIR/PREFIX"
done
pass "installed into DESTDIR=$stage PREFIX=$prefix"

exports=$(nm -D --defined-only "$root/lib/libcprof.so" | awk '{print $3}' | sort)
bad=$(grep -v -E '^(cprof_[a-z_]+|dlclose|dlmopen|dlopen|pthread_create|pthread_setname_np|sleep|usleep|nanosleep|clock_nanosleep|poll|ppoll|select|pselect|epoll_wait|epoll_pwait|read|readv|recv|recvfrom|recvmsg|accept|accept4|connect|waitpid|wait4|sigtimedwait|sigwaitinfo|pause|sigsuspend|__read_chk|__recv_chk|__recvfrom_chk|__poll_chk|__ppoll_chk|sigaction|signal|malloc|free|calloc|realloc|reallocarray|posix_memalign|aligned_alloc|memalign|valloc|pvalloc|pthread_(mutex_(lock|unlock|timedlock|clocklock)|rwlock_(rdlock|wrlock|timedrdlock|timedwrlock|clockrdlock|clockwrlock|unlock)|cond_clockwait|join|timedjoin_np|clockjoin_np|barrier_wait)|sem_(wait|timedwait|clockwait)|pthread_cond_(timed)?wait@@GLIBC_2\.3\.2|GLIBC_2\.3\.2)$' <<<"$exports" || true)
[[ -z $bad ]] || fail "unexpected exported symbols: $bad"
pass "exports: $(tr '\n' ' ' <<<"$exports")"

export PKG_CONFIG_PATH=$root/lib/pkgconfig
cflags=$(pkg-config --define-prefix --cflags cprof)
cat >"$TMP/app.c" <<'C'
#include <cprof.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
static volatile unsigned long sink;
__attribute__((noinline)) static void app_work(void)
{
	struct timespec a, b;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
	do {
		for (int i = 0; i < 100000; i++)
			sink += (unsigned long)i * i;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
	} while ((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 300);
}
int main(int argc, char **argv)
{
	struct cprof_options o;
	memset(&o, 0, sizeof(o));
	o.cpu_profile_path = argv[1];
	if (cprof_start(&o) != 0 || cprof_start(&o) != CPROF_EALREADY)
		return 1;
	app_work();
	return cprof_stop() == 0 && cprof_stop() == CPROF_ESTATE ? 0 : 2;
}
C
gcc -O2 -g -fno-omit-frame-pointer $cflags -o "$TMP/app_shared" "$TMP/app.c" \
	$(pkg-config --define-prefix --libs cprof) -Wl,-rpath,"$root/lib" ||
	fail "shared build against the installed library"
# libcprof.a with its dependencies linked as shared libraries.
gcc -O2 -g -fno-omit-frame-pointer $cflags -o "$TMP/app_static" "$TMP/app.c" \
	"$root/lib/libcprof.a" $(pkg-config --libs libmicrohttpd libdw libelf zlib) \
	-lpthread -ldl -lrt -lm ||
	fail "static build against the installed library"
for kind in shared static; do
	"$TMP/app_$kind" "$TMP/$kind.pb.gz" || fail "$kind app failed"
	top=$(pprof_top "$TMP/$kind.pb.gz")
	got=$(pprof_flat_pct "$top" app_work)
	awk -v g="$got" 'BEGIN { exit !(g > 80) }' || { echo "$top"; fail "$kind: app_work has $got%"; }
	pass "$kind build: app_work $got% of the CPU profile"
done
