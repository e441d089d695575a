// Open file descriptors of given pids, for the metrics' `sentinel_process_open_fds`. Linux 6.2 and later
// give the count as the size of /proc/PID/fd: one fstatat, no listing. Older kernels say 0 there and the
// directory is listed. From JavaScript a statSync costs about 9 us (a Stats object and an exception for
// every pid that is gone); here about 1 us, which is most of a scrape's cost with 100 processes.
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "native.h"

// The count for one pid, or -1 when it cannot be read (gone, or another user's process).
static int32_t count_fds(int proc, int32_t pid) {
  char path[32];
  snprintf(path, sizeof path, "%d/fd", pid);
  struct stat st;
  if (fstatat(proc, path, &st, 0) != 0) return -1;
  if (st.st_size > 0) return (int32_t)st.st_size;
  int dfd = openat(proc, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return -1;
  DIR *dir = fdopendir(dfd);
  if (dir == NULL) {
    close(dfd);
    return -1;
  }
  int32_t n = 0;
  struct dirent *e;
  while ((e = readdir(dir)) != NULL) {
    if (e->d_name[0] != '.') n++;
  }
  closedir(dir);
  return n;
}

// fdCounts(pids: Int32Array): Int32Array of the same length, -1 where a pid could not be read.
napi_value FdCounts(napi_env env, napi_callback_info info) {
  const int32_t *pids;
  size_t length = 0;
  if (!pid_array(env, info, "fdCounts", &pids, &length)) return NULL;
  napi_value result;
  void *out = NULL;
  if (!new_typed_array(env, "fdCounts", napi_int32_array, length, &out, &result)) return NULL;
  int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int32_t *counts = out;
  for (size_t i = 0; i < length; i++) counts[i] = proc < 0 ? -1 : count_fds(proc, pids[i]);
  if (proc >= 0) close(proc);
  return result;
}
