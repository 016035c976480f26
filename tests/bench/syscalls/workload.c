// The syscall benchmark's workloads (tests/bench/syscalls/run.py drives them):
//
//   workload open_close N [PATH]          N x (openat(PATH) + close), PATH default /etc/passwd
//   workload fork_exec N                  N x (fork, execve /bin/true in the child, waitpid)
//   workload getppid N                    N x syscall(SYS_getppid), a syscall no rule needs
//   workload open_close_rate R SECONDS [THREADS [PATH]]
//                                         openat + close paced at R syscalls/s in all (open and
//                                         close count one each) for SECONDS, split over THREADS
//                                         threads (default 1), each paced at R / THREADS;
//                                         R = 0 or "max": unpaced
//
// Each prints one line: `elapsed_ns=E ops=N syscalls=S rate=S/s` (ops: loop iterations, syscalls:
// the traced syscalls they made). getppid goes through syscall(2) so that no libc can cache it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int usage(void) {
  fprintf(stderr,
          "usage: workload open_close N [PATH] | fork_exec N | getppid N |"
          " open_close_rate R|max SECONDS [THREADS [PATH]]\n");
  return 2;
}

static int open_close_once(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);  // glibc's open() is openat(AT_FDCWD, ...)
  if (fd < 0) {
    fprintf(stderr, "workload: open %s: %s\n", path, strerror(errno));
    return -1;
  }
  close(fd);
  return 0;
}

static void report(uint64_t elapsed, uint64_t ops, uint64_t syscalls) {
  double rate = elapsed ? (double)syscalls * 1e9 / (double)elapsed : 0;
  printf("elapsed_ns=%llu ops=%llu syscalls=%llu rate=%.0f\n", (unsigned long long)elapsed,
         (unsigned long long)ops, (unsigned long long)syscalls, rate);
}

// One thread of open_close_rate: openat + close paced at `rate` syscalls/s from `start` to `end`.
struct paced {
  pthread_t thread;
  const char* path;
  double rate; /* 0: unpaced */
  uint64_t start, end;
  uint64_t ops;
  int failed;
};

static void* paced_loop(void* arg) {
  struct paced* p = arg;
  uint64_t start = p->start, ops = 0;
  // A file table of its own: threads sharing one serialise on its lock in every open and close
  // (two threads then make no more syscalls than one).
  if (unshare(CLONE_FILES) != 0) {
    fprintf(stderr, "workload: unshare(CLONE_FILES): %s\n", strerror(errno));
    p->failed = 1;
    return NULL;
  }
  // Pace in 1 ms ticks: catch up to rate * elapsed, then sleep to the next tick. A tracer that
  // slows the syscalls down shows as an achieved rate below the target. Catching up goes in
  // steps of at most 1024 operations, so the run ends on time however far behind it is.
  for (uint64_t t = now_ns(); t < p->end; t = now_ns()) {
    uint64_t due =
        p->rate > 0 ? (uint64_t)((double)(t - start) * p->rate / 2e9) + 1 : ops + 1024;
    if (due > ops + 1024) due = ops + 1024;
    if (ops >= due) {
      uint64_t next = t - (t - start) % 1000000 + 1000000;
      struct timespec ts = {(time_t)(next / 1000000000u), (long)(next % 1000000000u)};
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
      continue;
    }
    while (ops < due) {
      if (open_close_once(p->path) != 0) {
        p->failed = 1;
        p->ops = ops;
        return NULL;
      }
      ops++;
    }
  }
  p->ops = ops;
  return NULL;
}

int main(int argc, char** argv) {
  if (argc < 3) return usage();
  const char* mode = argv[1];

  if (strcmp(mode, "open_close_rate") == 0) {
    if (argc < 4) return usage();
    double rate = strcmp(argv[2], "max") == 0 ? 0 : strtod(argv[2], NULL);
    double seconds = strtod(argv[3], NULL);
    long nthreads = argc > 4 ? strtol(argv[4], NULL, 10) : 1;
    if (nthreads < 1 || nthreads > 64) return usage();
    const char* path = argc > 5 ? argv[5] : "/etc/passwd";
    struct paced threads[64];
    uint64_t start = now_ns();
    for (long i = 0; i < nthreads; i++) {
      threads[i] = (struct paced){.path = path, .rate = rate / (double)nthreads, .start = start,
                                  .end = start + (uint64_t)(seconds * 1e9)};
      if (pthread_create(&threads[i].thread, NULL, paced_loop, &threads[i]) != 0) {
        fprintf(stderr, "workload: pthread_create failed\n");
        return 1;
      }
    }
    uint64_t ops = 0;
    int failed = 0;
    for (long i = 0; i < nthreads; i++) {
      pthread_join(threads[i].thread, NULL);
      ops += threads[i].ops;
      failed |= threads[i].failed;
    }
    if (failed) return 1;
    report(now_ns() - start, ops, 2 * ops);
    return 0;
  }

  long long n = atoll(argv[2]);
  if (n <= 0) return usage();
  uint64_t start = now_ns();
  uint64_t syscalls = 0;
  if (strcmp(mode, "open_close") == 0) {
    const char* path = argc > 3 ? argv[3] : "/etc/passwd";
    for (long long i = 0; i < n; i++) {
      if (open_close_once(path) != 0) return 1;
    }
    syscalls = 2 * (uint64_t)n;
  } else if (strcmp(mode, "fork_exec") == 0) {
    char* const child_argv[] = {(char*)"/bin/true", NULL};
    char* const child_env[] = {NULL};
    for (long long i = 0; i < n; i++) {
      pid_t pid = fork();
      if (pid < 0) {
        perror("workload: fork");
        return 1;
      }
      if (pid == 0) {
        execve("/bin/true", child_argv, child_env);
        _exit(127);
      }
      int status = 0;
      if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "workload: /bin/true failed (status %d)\n", status);
        return 1;
      }
    }
    syscalls = 2 * (uint64_t)n;  // clone + execve
  } else if (strcmp(mode, "getppid") == 0) {
    long sink = 0;
    for (long long i = 0; i < n; i++) sink += syscall(SYS_getppid);
    if (sink == -1) fprintf(stderr, "unreachable\n");
    syscalls = (uint64_t)n;
  } else {
    return usage();
  }
  report(now_ns() - start, (uint64_t)n, syscalls);
  return 0;
}
