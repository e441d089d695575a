// On-CPU time of given pids, from /proc/PID/schedstat: the metrics history's probe of whether anything ran
// since its last look. The first field of schedstat is the nanoseconds the task ran; the kernel writes it
// with one sprintf, where /proc/PID/stat takes the task's locks and formats 52 fields. The probe reads one
// file per managed pid; a change, and only a change, is worth a full read of the trees' stat files.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "native.h"

// Nanoseconds pid has run, or -1 when its schedstat cannot be read (gone, or a kernel without
// CONFIG_SCHED_INFO).
static double run_ns(int proc, int32_t pid) {
  char path[32], line[96];
  snprintf(path, sizeof path, "%d/schedstat", pid);
  int fd = openat(proc, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t len = read(fd, line, sizeof line - 1);
  close(fd);
  if (len <= 0) return -1;
  line[len] = '\0';
  char *end;
  unsigned long long ns = strtoull(line, &end, 10);
  if (end == line) return -1;
  return (double)ns;
}

// runTimes(pids: Int32Array): Float64Array of the same length, the ns each pid has run, -1 where unreadable.
napi_value RunTimes(napi_env env, napi_callback_info info) {
  const int32_t *pids;
  size_t length = 0;
  if (!pid_array(env, info, "runTimes", &pids, &length)) return NULL;
  napi_value result;
  void *out = NULL;
  if (!new_typed_array(env, "runTimes", napi_float64_array, length, &out, &result)) return NULL;
  int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  double *times = out;
  for (size_t i = 0; i < length; i++) times[i] = proc < 0 ? -1 : run_ns(proc, pids[i]);
  if (proc >= 0) close(proc);
  return result;
}
