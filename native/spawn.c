// Starts a child with posix_spawn(3) instead of fork(2) + exec(2). Node's child_process forks the whole
// daemon: the kernel copies its page tables (tens of MiB of heap) and the call waits for the copy to exec,
// about 2 ms for a 70 MiB daemon against 0.3 ms here, on every restart of a crashing process. glibc's
// posix_spawn uses clone(CLONE_VM | CLONE_VFORK): nothing is copied. The child gets what Node's spawn
// with `detached: true` gives it: a session of its own, every signal at its default and none blocked,
// the given fds as 0, 1, 2 (and 3...), the working directory and the environment. The caller reaps it
// (reap / peek below) when SIGCHLD says a child ended: the daemon's other children stay libuv's, which
// waits for each of its own by pid.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <node_api.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "native.h"


static char *copy_string(napi_env env, napi_value value) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) return NULL;
  char *out = malloc(len + 1);
  if (out == NULL) return NULL;
  if (napi_get_value_string_utf8(env, value, out, len + 1, &len) != napi_ok) {
    free(out);
    return NULL;
  }
  return out;
}

static void free_strings(char **list) {
  if (list == NULL) return;
  for (char **p = list; *p != NULL; p++) free(*p);
  free(list);
}

// A NULL-terminated copy of a JS array of strings, or NULL when it is not one.
static char **copy_strings(napi_env env, napi_value array) {
  uint32_t n = 0;
  if (napi_get_array_length(env, array, &n) != napi_ok) return NULL;
  char **out = calloc(n + 1, sizeof(char *));
  if (out == NULL) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value item;
    if (napi_get_element(env, array, i, &item) != napi_ok || (out[i] = copy_string(env, item)) == NULL) {
      free_strings(out);
      return NULL;
    }
  }
  return out;
}

// Throws an Error with the message of errno `code`, and `errno` and `syscall` set as Node's own errors have them.
void throw_errno(napi_env env, int code, const char *what) {
  napi_value message, error, errno_value, syscall;
  napi_create_string_utf8(env, strerror(code), NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, NULL, message, &error);
  napi_create_int32(env, code, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_create_string_utf8(env, what, NAPI_AUTO_LENGTH, &syscall);
  napi_set_named_property(env, error, "syscall", syscall);
  napi_throw(env, error);
}

// One start, as copied off the JavaScript values: what posix_spawn needs, without any napi call, so
// that a thread other than the main one can run it.
struct job {
  char *file, *cwd;
  char **argv, **envp;
  int32_t *fds;
  uint32_t nfds;
  int result; // the pid, or -errno
};

static void free_job(struct job *j) {
  free(j->file);
  free(j->cwd);
  free_strings(j->argv);
  free_strings(j->envp);
  free(j->fds);
}

// Reads [file, argv, envp, cwd, fds] into `j`; 0 after throwing a TypeError.
static int copy_job(napi_env env, napi_value file, napi_value argv, napi_value envp, napi_value cwd, napi_value fds, struct job *j) {
  memset(j, 0, sizeof *j);
  j->file = copy_string(env, file);
  j->argv = copy_strings(env, argv);
  j->envp = copy_strings(env, envp);
  j->cwd = copy_string(env, cwd);
  int ok = j->file != NULL && j->argv != NULL && j->envp != NULL && j->cwd != NULL && napi_get_array_length(env, fds, &j->nfds) == napi_ok;
  if (ok) {
    j->fds = calloc(j->nfds + 1, sizeof(int32_t));
    ok = j->fds != NULL;
    for (uint32_t i = 0; ok && i < j->nfds; i++) {
      napi_value item;
      ok = napi_get_element(env, fds, i, &item) == napi_ok && napi_get_value_int32(env, item, &j->fds[i]) == napi_ok;
    }
  }
  if (!ok) {
    free_job(j);
    napi_throw_type_error(env, NULL, "fast-spawn: file and cwd must be strings, argv and envp arrays of strings, fds an array of numbers");
  }
  return ok;
}

// Starts one job; its pid, or -errno. No napi call: safe on any thread (glibc's posix_spawn is).
static int run_job(struct job *j) {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  int rc = posix_spawn_file_actions_init(&actions);
  if (rc != 0) return -rc;
  for (uint32_t i = 0; rc == 0 && i < j->nfds; i++) {
    rc = j->fds[i] < 0 ? posix_spawn_file_actions_addopen(&actions, (int)i, "/dev/null", O_RDWR, 0)
                       : posix_spawn_file_actions_adddup2(&actions, j->fds[i], (int)i);
  }
  if (rc == 0) rc = posix_spawn_file_actions_addchdir_np(&actions, j->cwd);
  if (rc != 0) {
    posix_spawn_file_actions_destroy(&actions);
    return -rc;
  }
  posix_spawnattr_init(&attr);
  sigset_t none, all;
  sigemptyset(&none);
  // every signal back to its default, glibc's two internal ones (32, 33) included: sigfillset leaves
  // them out, and posix_spawn then gives them SIG_IGN, which the exec would keep; set as raw bits
  memset(&all, 0xff, sizeof all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  rc = posix_spawn(&pid, j->file, &actions, &attr, j->argv, j->envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  return rc != 0 ? -rc : pid;
}

// spawn(file, argv, envp, cwd, fds) -> pid. `file` is a path (no PATH search); envp holds "KEY=value"
// strings; fds[i] becomes the child's fd i (-1: /dev/null). Every fd in fds must be >= fds.length, so
// that no dup2 overwrites a source still to be copied (the caller checks). Throws with `errno` set.
napi_value Spawn(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5], result = NULL;
  struct job j;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc < 5) {
    napi_throw_type_error(env, NULL, "fast-spawn: spawn(file, argv, envp, cwd, fds)");
    return NULL;
  }
  if (!copy_job(env, args[0], args[1], args[2], args[3], args[4], &j)) return NULL;
  int pid = run_job(&j);
  free_job(&j);
  if (pid < 0) throw_errno(env, -pid, "posix_spawn");
  else napi_create_int32(env, pid, &result);
done:
  return result;
}

// The jobs of one spawnMany, taken one at a time by each of its threads.
struct batch {
  struct job *jobs;
  uint32_t n;
  uint32_t next; // taken with __atomic_fetch_add
};

static void *run_batch(void *arg) {
  struct batch *b = arg;
  uint32_t i;
  while ((i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED)) < b->n) b->jobs[i].result = run_job(&b->jobs[i]);
  return NULL;
}

// spawnMany(jobs, threads) -> Int32Array: each job [file, argv, envp, cwd, fds] as spawn's arguments, its
// pid or -errno at its index. posix_spawn returns once the child has exec'd (CLONE_VFORK): the caller
// waits for the child to be scheduled and to load its program, 5-14 ms a child on a busy 2-core machine
// where the copy of the arguments is 0.02 ms. Started from `threads` threads, those waits overlap.
// Returns only when every job has been tried: each child started has its pid in the answer.
napi_value SpawnMany(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2], result = NULL, buffer;
  uint32_t n = 0, copied = 0;
  int32_t threads = 1;
  struct job *jobs = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  CHECK(napi_get_array_length(env, args[0], &n));
  if (argc > 1) CHECK(napi_get_value_int32(env, args[1], &threads));
  jobs = calloc(n + 1, sizeof(struct job));
  if (jobs == NULL) {
    throw_errno(env, ENOMEM, "calloc");
    goto done;
  }
  for (; copied < n; copied++) {
    napi_value item, f[5];
    CHECK(napi_get_element(env, args[0], copied, &item));
    int fieldsOk = 1;
    for (uint32_t k = 0; k < 5; k++) fieldsOk = fieldsOk && napi_get_element(env, item, k, &f[k]) == napi_ok;
    if (!fieldsOk) {
      napi_throw_type_error(env, NULL, "fast-spawn: spawnMany([[file, argv, envp, cwd, fds], ...], threads)");
      goto done;
    }
    if (!copy_job(env, f[0], f[1], f[2], f[3], f[4], &jobs[copied])) goto done;
  }
  struct batch b = { jobs, n, 0 };
  if (threads > 16) threads = 16;
  if (threads > (int32_t)n) threads = (int32_t)n;
  pthread_t ids[16];
  int started = 0;
  for (; started < threads - 1; started++) {
    if (pthread_create(&ids[started], NULL, run_batch, &b) != 0) break;
  }
  run_batch(&b); // the calling thread takes its share too (and all of it when no thread could be made)
  for (int t = 0; t < started; t++) pthread_join(ids[t], NULL);
  int32_t *out = NULL;
  CHECK(napi_create_arraybuffer(env, n * sizeof(int32_t), (void **)&out, &buffer));
  for (uint32_t i = 0; i < n; i++) out[i] = jobs[i].result;
  CHECK(napi_create_typedarray(env, napi_int32_array, n, buffer, 0, &result));
done:
  for (uint32_t i = 0; jobs != NULL && i < copied; i++) free_job(&jobs[i]);
  free(jobs);
  return result;
}

// reap(pid) -> null while it runs, [code, 0] when it exited, [-1, signal] when a signal ended it,
// [-1, 0] when it is not (or no longer) our child.
napi_value Reap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value args[1], result = NULL, code, sig;
  int32_t pid = 0;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  CHECK(napi_get_value_int32(env, args[0], &pid));
  if (pid <= 0) {
    napi_throw_range_error(env, NULL, "fast-spawn: reap needs a pid > 0");
    goto done;
  }
  int status = 0;
  pid_t got;
  do got = waitpid(pid, &status, WNOHANG);
  while (got < 0 && errno == EINTR);
  if (got == 0) {
    napi_get_null(env, &result);
    goto done;
  }
  napi_create_array_with_length(env, 2, &result);
  if (got < 0) {
    napi_create_int32(env, -1, &code);
    napi_create_int32(env, 0, &sig);
  } else if (WIFEXITED(status)) {
    napi_create_int32(env, WEXITSTATUS(status), &code);
    napi_create_int32(env, 0, &sig);
  } else {
    napi_create_int32(env, -1, &code);
    napi_create_int32(env, WTERMSIG(status), &sig);
  }
  napi_set_element(env, result, 0, code);
  napi_set_element(env, result, 1, sig);
done:
  return result;
}

// peek() -> the pid of a child that has ended and is not yet reaped (any child: ours or libuv's), or 0.
// It reaps nothing (WNOWAIT).
napi_value Peek(napi_env env, napi_callback_info info) {
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int rc;
  do rc = waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT);
  while (rc < 0 && errno == EINTR);
  napi_value result;
  napi_create_int32(env, rc < 0 ? 0 : si.si_pid, &result);
  return result;
}
