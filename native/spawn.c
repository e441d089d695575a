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

// spawn(file, argv, envp, cwd, fds) -> pid. `file` is a path (no PATH search); envp holds "KEY=value"
// strings; fds[i] becomes the child's fd i (-1: /dev/null). Every fd in fds must be >= fds.length, so
// that no dup2 overwrites a source still to be copied (the caller checks). Throws with `errno` set.
napi_value Spawn(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value args[5], result = NULL;
  char *file = NULL, *cwd = NULL;
  char **argv = NULL, **envp = NULL;
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  int have_actions = 0, have_attr = 0;
  uint32_t nfds = 0;

  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc < 5) {
    napi_throw_type_error(env, NULL, "fast-spawn: spawn(file, argv, envp, cwd, fds)");
    return NULL;
  }
  file = copy_string(env, args[0]);
  argv = copy_strings(env, args[1]);
  envp = copy_strings(env, args[2]);
  cwd = copy_string(env, args[3]);
  if (file == NULL || argv == NULL || envp == NULL || cwd == NULL) {
    napi_throw_type_error(env, NULL, "fast-spawn: file and cwd must be strings, argv and envp arrays of strings");
    goto done;
  }
  CHECK(napi_get_array_length(env, args[4], &nfds));

  posix_spawn_file_actions_init(&actions);
  have_actions = 1;
  for (uint32_t i = 0; i < nfds; i++) {
    napi_value item;
    int32_t fd = -1;
    CHECK(napi_get_element(env, args[4], i, &item));
    CHECK(napi_get_value_int32(env, item, &fd));
    int rc = fd < 0 ? posix_spawn_file_actions_addopen(&actions, (int)i, "/dev/null", O_RDWR, 0)
                    : posix_spawn_file_actions_adddup2(&actions, fd, (int)i);
    if (rc != 0) {
      throw_errno(env, rc, "posix_spawn_file_actions");
      goto done;
    }
  }
  int rc = posix_spawn_file_actions_addchdir_np(&actions, cwd);
  if (rc != 0) {
    throw_errno(env, rc, "posix_spawn_file_actions_addchdir_np");
    goto done;
  }

  posix_spawnattr_init(&attr);
  have_attr = 1;
  sigset_t none, all;
  sigemptyset(&none);
  // every signal back to its default, glibc's two internal ones (32, 33) included: sigfillset leaves
  // them out, and posix_spawn then gives them SIG_IGN, which the exec would keep; set as raw bits
  memset(&all, 0xff, sizeof all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  pid_t pid = 0;
  rc = posix_spawn(&pid, file, &actions, &attr, argv, envp);
  if (rc != 0) {
    throw_errno(env, rc, "posix_spawn");
    goto done;
  }
  napi_create_int32(env, pid, &result);

done:
  if (have_actions) posix_spawn_file_actions_destroy(&actions);
  if (have_attr) posix_spawnattr_destroy(&attr);
  free(file);
  free(cwd);
  free_strings(argv);
  free_strings(envp);
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
