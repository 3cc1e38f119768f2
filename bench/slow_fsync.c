/* LD_PRELOAD shim for benchmarks: every fsync and fdatasync takes SLOW_FSYNC_MS longer
 * (default 20), as on a network volume. SQLite in WAL mode with synchronous=FULL syncs through
 * these calls (fdatasync on Linux), so a commit costs at least that much.
 *
 *   cc -shared -fPIC -O2 -o slow_fsync.so bench/slow_fsync.c -ldl   (CMake builds it: bench/)
 *   LD_PRELOAD=build/bench/libslow_fsync.so SLOW_FSYNC_MS=20 build/wa-sidecar ...
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <time.h>

static long delay_ms(void) {
  const char* v = getenv("SLOW_FSYNC_MS");
  return v ? atol(v) : 20;
}

static void sleep_ms(long ms) {
  struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&left, &left) == -1 && errno == EINTR) {
  }
}

int fsync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  sleep_ms(delay_ms());
  return real(fd);
}

int fdatasync(int fd) {
  static int (*real)(int);
  if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  sleep_ms(delay_ms());
  return real(fd);
}
