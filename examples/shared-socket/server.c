/* A plain binary (C) HTTP server that takes the socket Sentinel passes (port_mode: shared).
 * Build: cc -O2 -o server server.c */
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stopping = 0;
static void on_term(int sig) { (void)sig; stopping = 1; }

int main(void) {
  const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
  int sock;
  if (fds && atoi(fds) >= 1 && pid && atoi(pid) == getpid()) {
    sock = 3; /* SD_LISTEN_FDS_START */
    /* the passed socket is non-blocking: this server blocks in accept() */
    fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) & ~O_NONBLOCK);
  } else {
    struct sockaddr_in a = {0};
    int one = 1;
    const char *port = getenv("PORT");
    sock = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    a.sin_family = AF_INET;
    a.sin_port = htons(port ? atoi(port) : 8080);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(sock, (struct sockaddr *)&a, sizeof a) != 0) { perror("bind"); return 1; }
  }
  if (listen(sock, 128) != 0) { perror("listen"); return 1; }
  /* no SA_RESTART: SIGTERM interrupts accept(), and the loop ends after the request in progress */
  struct sigaction sa = {0};
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  const char *inst = getenv("SENTINEL_INSTANCE");
  while (!stopping) {
    int c = accept(sock, NULL, NULL);
    if (c < 0) continue;
    char buf[4096];
    ssize_t got = read(c, buf, sizeof buf);
    (void)got;
    char body[128], head[256];
    int n = snprintf(body, sizeof body, "c %s %d\n", inst ? inst : "-", (int)getpid());
    int h = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", n);
    if (write(c, head, h) < 0 || write(c, body, n) < 0) { /* the client went away */ }
    close(c);
  }
  return 0;
}
