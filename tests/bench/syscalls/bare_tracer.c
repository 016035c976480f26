// The syscall benchmark's reference tracer (user space; the BPF side is bare_tracer.bpf.c).
//
//   bare_tracer [--ring-kib N] openat,close,...     syscall names (x86-64) or numbers
//
// Loads the programs, marks the wanted syscalls, attaches sys_enter/sys_exit, prints `ready` and
// then drains the ring buffer every 5 ms (epoll with a timeout, as the BPF side never wakes it but
// when the ring is half full), counting and discarding the records. On SIGINT or SIGTERM it drains
// once more and prints `events=N enter=E exit=X dropped=D` and exits 0.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bare_tracer.h"
#include "bare_tracer.skel.h"

static volatile sig_atomic_t stop;
static unsigned long long seen_enter, seen_exit;

static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static const struct {
  const char* name;
  int nr;
} kSyscalls[] = {
    {"open", SYS_open},       {"openat", SYS_openat},     {"openat2", SYS_openat2},
    {"creat", SYS_creat},     {"close", SYS_close},       {"execve", SYS_execve},
    {"execveat", SYS_execveat}, {"clone", SYS_clone},     {"clone3", SYS_clone3},
    {"fork", SYS_fork},       {"vfork", SYS_vfork},       {"getppid", SYS_getppid},
    {"exit_group", SYS_exit_group}, {"connect", SYS_connect}, {"accept4", SYS_accept4},
    {"unlinkat", SYS_unlinkat}, {"read", SYS_read},       {"write", SYS_write},
};

static int syscall_number(const char* name) {
  char* end = NULL;
  long n = strtol(name, &end, 10);
  if (end != name && *end == '\0') return n >= 0 && n < BARE_MAX_SYSCALL ? (int)n : -1;
  for (size_t i = 0; i < sizeof(kSyscalls) / sizeof(kSyscalls[0]); i++) {
    if (strcmp(kSyscalls[i].name, name) == 0) return kSyscalls[i].nr;
  }
  return -1;
}

static int on_record(void* ctx, void* data, size_t size) {
  (void)ctx;
  if (size < sizeof(struct bare_record)) return 0;
  const struct bare_record* r = data;
  if (r->kind == BARE_ENTER) {
    seen_enter++;
  } else {
    seen_exit++;
  }
  return 0;
}

static int quiet_print(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  return vfprintf(stderr, fmt, args);
}

int main(int argc, char** argv) {
  unsigned long ring_kib = 8192;
  const char* list = NULL;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--ring-kib") == 0 && i + 1 < argc) {
      ring_kib = strtoul(argv[++i], NULL, 10);
    } else if (argv[i][0] != '-' && !list) {
      list = argv[i];
    } else {
      list = NULL;
      break;
    }
  }
  // The ring's size must be a power of two pages.
  if (!list || ring_kib < 4 || (ring_kib & (ring_kib - 1)) != 0) {
    fprintf(stderr, "usage: bare_tracer [--ring-kib N (power of two)] SYSCALL[,SYSCALL...]\n");
    return 2;
  }
  libbpf_set_print(quiet_print);

  struct bare_tracer_bpf* skel = bare_tracer_bpf__open();
  if (!skel) {
    fprintf(stderr, "bare_tracer: open: %s\n", strerror(errno));
    return 1;
  }
  skel->rodata->wakeup_threshold = (unsigned long long)ring_kib * 1024 / 2;
  bpf_map__set_max_entries(skel->maps.events, (unsigned)(ring_kib * 1024));
  // No setrlimit(RLIMIT_MEMLOCK): kernels >= 5.11 account BPF memory to the cgroup instead, and
  // root here lacks CAP_SYS_RESOURCE (libbpf itself only tries when the kernel needs it).
  int err = bare_tracer_bpf__load(skel);
  if (err) {
    fprintf(stderr, "bare_tracer: load: %s\n", strerror(-err));
    bare_tracer_bpf__destroy(skel);
    return 1;
  }

  int wanted_fd = bpf_map__fd(skel->maps.wanted);
  char* names = strdup(list);
  for (char* save = NULL, *tok = strtok_r(names, ",", &save); tok;
       tok = strtok_r(NULL, ",", &save)) {
    int nr = syscall_number(tok);
    if (nr < 0) {
      fprintf(stderr, "bare_tracer: unknown syscall '%s'\n", tok);
      return 2;
    }
    unsigned int key = (unsigned int)nr;
    unsigned char one = 1;
    if (bpf_map_update_elem(wanted_fd, &key, &one, BPF_ANY) != 0) {
      fprintf(stderr, "bare_tracer: wanted[%d]: %s\n", nr, strerror(errno));
      return 1;
    }
  }
  free(names);

  struct ring_buffer* rb =
      ring_buffer__new(bpf_map__fd(skel->maps.events), on_record, NULL, NULL);
  if (!rb) {
    fprintf(stderr, "bare_tracer: ring buffer: %s\n", strerror(errno));
    return 1;
  }
  err = bare_tracer_bpf__attach(skel);
  if (err) {
    fprintf(stderr, "bare_tracer: attach: %s\n", strerror(-err));
    return 1;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  printf("ready: %s, ring %lu KiB\n", list, ring_kib);
  fflush(stdout);

  // The BPF side does not wake us per event: wait at most 5 ms, then drain whatever is there.
  int epfd = ring_buffer__epoll_fd(rb);
  struct epoll_event ev;
  while (!stop) {
    int n = epoll_wait(epfd, &ev, 1, 5);
    if (n < 0 && errno != EINTR) {
      fprintf(stderr, "bare_tracer: epoll_wait: %s\n", strerror(errno));
      break;
    }
    if (ring_buffer__consume(rb) < 0 && !stop) {
      fprintf(stderr, "bare_tracer: consume failed\n");
      break;
    }
  }
  ring_buffer__consume(rb);

  struct bare_counters total = {0, 0};
  int ncpus = libbpf_num_possible_cpus();
  if (ncpus > 0) {
    struct bare_counters* per_cpu = calloc((size_t)ncpus, sizeof(*per_cpu));
    unsigned int zero = 0;
    if (per_cpu &&
        bpf_map_lookup_elem(bpf_map__fd(skel->maps.counters), &zero, per_cpu) == 0) {
      for (int i = 0; i < ncpus; i++) {
        total.events += per_cpu[i].events;
        total.dropped += per_cpu[i].dropped;
      }
    }
    free(per_cpu);
  }
  printf("events=%llu enter=%llu exit=%llu dropped=%llu submitted=%llu\n",
         seen_enter + seen_exit, seen_enter, seen_exit, total.dropped, total.events);
  fflush(stdout);
  ring_buffer__free(rb);
  bare_tracer_bpf__destroy(skel);
  return 0;
}
