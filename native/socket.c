// One request over a Unix socket, blocking: what a one-shot CLI call needs, without loading node:net.
// Loading node:net (and the streams under it) is about 2–3 ms of every CLI call on a 2-core machine; the
// call itself is a connect, one write and reads until the answer is whole.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "native.h"

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// Waits until fd is ready for `events`, at most idle_ms (<= 0: no limit). 0 when ready, else an errno
// (ETIMEDOUT when nothing moved for idle_ms). A signal does not end the wait.
static int wait_for(int fd, short events, int idle_ms) {
  long long deadline = idle_ms > 0 ? now_ms() + idle_ms : 0;
  for (;;) {
    int left = -1;
    if (idle_ms > 0) {
      long long rest = deadline - now_ms();
      if (rest <= 0) return ETIMEDOUT;
      left = (int)rest;
    }
    struct pollfd p = {.fd = fd, .events = events};
    int n = poll(&p, 1, left);
    if (n > 0) return 0;
    if (n == 0) return ETIMEDOUT;
    if (errno != EINTR) return errno;
  }
}

// After a failed read or write: 0 when it may be tried again (interrupted, or the socket became ready
// within idle_ms), else the error to report.
static int retry(int fd, int err, short events, int idle_ms) {
  if (err == EINTR) return 0;
  if (err == EAGAIN) return wait_for(fd, events, idle_ms);
  return err;
}

// The length of the whole answer once its head is in buf: the head, its blank line and Content-Length bytes
// of body. 0 while the head is incomplete, or when it has no Content-Length (the answer then ends when the
// peer closes). Stopping there, not at the close, spares the wait for the daemon's shutdown after its write:
// the paired median of 150 alternating `list` calls (old addon minus this one) was 1.44 ms with 100 up and
// 0.29 ms with 325 up, on a noisy 2-core machine (the medians of the calls moved by more than that between runs).
static size_t answer_length(const char *buf, size_t len) {
  const char *end = memmem(buf, len, "\r\n\r\n", 4);
  if (end == NULL) return 0;
  static const char name[] = "content-length:";
  const size_t name_len = sizeof name - 1;
  for (const char *line = buf; line < end;) {
    const char *eol = memmem(line, (size_t)(end - line) + 2, "\r\n", 2);
    if ((size_t)(eol - line) > name_len && strncasecmp(line, name, name_len) == 0) {
      const char *digits = line + name_len;
      while (*digits == ' ' || *digits == '\t') digits++;
      if (*digits < '0' || *digits > '9') return 0;
      char *stop;
      unsigned long long body = strtoull(digits, &stop, 10);
      return (size_t)(end - buf) + 4 + (size_t)body;
    }
    line = eol + 2;
  }
  return 0;
}

// request(socketPath, request: Buffer, idleTimeoutMs) -> Buffer: connects, writes the whole request and
// returns the answer: every byte until the peer closes, or until its Content-Length is complete.
// idleTimeoutMs bounds each wait for a byte to move (0: no bound). Throws with `errno` and `syscall` set
// (ENOENT or ECONNREFUSED when no daemon listens, ETIMEDOUT when it does not answer in time).
napi_value Request(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value args[3], result = NULL;
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  size_t path_len = 0;
  void *data = NULL;
  size_t data_len = 0;
  int32_t idle_ms = 0;
  int fd = -1;
  char *buf = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc < 3) {
    napi_throw_type_error(env, NULL, "request(socketPath, request, idleTimeoutMs): three arguments");
    return NULL;
  }
  if (napi_get_value_string_utf8(env, args[0], path, sizeof path, &path_len) != napi_ok || path_len == 0) {
    napi_throw_type_error(env, NULL, "request: socketPath must be a non-empty string");
    return NULL;
  }
  if (path_len >= sizeof path - 1) {
    throw_errno(env, ENAMETOOLONG, "connect");
    return NULL;
  }
  bool is_buffer = false;
  napi_is_buffer(env, args[1], &is_buffer);
  if (!is_buffer) {
    napi_throw_type_error(env, NULL, "request: the request must be a Buffer");
    return NULL;
  }
  CHECK(napi_get_buffer_info(env, args[1], &data, &data_len));
  CHECK(napi_get_value_int32(env, args[2], &idle_ms));

  fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    throw_errno(env, errno, "socket");
    goto done;
  }
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  memcpy(addr.sun_path, path, path_len);
  // a non-blocking connect to a Unix socket whose backlog is full fails with EAGAIN at once: try again
  // until the idle timeout, like a blocking connect would wait
  long long connect_deadline = idle_ms > 0 ? now_ms() + idle_ms : 0;
  for (;;) {
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) == 0) break;
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN) {
      if (connect_deadline && now_ms() >= connect_deadline) {
        throw_errno(env, ETIMEDOUT, "connect");
        goto done;
      }
      struct timespec pause = {0, 2 * 1000 * 1000};
      nanosleep(&pause, NULL);
      continue;
    }
    throw_errno(env, err, "connect");
    goto done;
  }

  size_t sent = 0;
  while (sent < data_len) {
    ssize_t n = send(fd, (char *)data + sent, data_len - sent, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += (size_t)n;
      continue;
    }
    int err = retry(fd, errno, POLLOUT, idle_ms);
    if (err != 0) {
      throw_errno(env, err, "write");
      goto done;
    }
  }

  size_t cap = 16384, len = 0;
  buf = malloc(cap);
  if (buf == NULL) {
    throw_errno(env, ENOMEM, "read");
    goto done;
  }
  size_t whole = 0; // the answer's length once its head is in (0: read until the peer closes)
  for (;;) {
    if (whole != 0 && len >= whole) break;
    if (len == cap) {
      char *bigger = realloc(buf, cap * 2);
      if (bigger == NULL) {
        throw_errno(env, ENOMEM, "read");
        goto done;
      }
      buf = bigger;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n > 0) {
      len += (size_t)n;
      if (whole == 0) whole = answer_length(buf, len);
      continue;
    }
    if (n == 0) break;
    int err = retry(fd, errno, POLLIN, idle_ms);
    if (err != 0) {
      throw_errno(env, err, "read");
      goto done;
    }
  }
  CHECK(napi_create_buffer_copy(env, len, buf, NULL, &result));

done:
  free(buf);
  if (fd >= 0) close(fd);
  return result;
}
