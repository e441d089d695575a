// A Node HTTP server that takes the socket Sentinel passes (port_mode: shared) and falls back to PORT.
import http from 'node:http';

const passed = Number(process.env.LISTEN_FDS ?? 0) >= 1 && process.env.LISTEN_PID === String(process.pid);
const server = http.createServer((req, res) => {
  res.end(`node ${process.env.SENTINEL_INSTANCE ?? '-'} ${process.pid}\n`);
});
// fd 3 is the first passed socket (systemd's SD_LISTEN_FDS_START); Node listens on it as it is
if (passed) server.listen({ fd: 3 });
else server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '127.0.0.1');

// on stop: take no new connections, finish the ones in progress; queued ones go to the other instances
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
