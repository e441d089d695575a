# A Python HTTP server that takes the socket Sentinel passes (port_mode: shared) and falls back to PORT.
import http.server
import os
import signal
import socket
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"python {os.environ.get('SENTINEL_INSTANCE', '-')} {os.getpid()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


passed = int(os.environ.get("LISTEN_FDS", "0")) >= 1 and os.environ.get("LISTEN_PID") == str(os.getpid())
if passed:
    # fd 3 is the first passed socket; it arrives non-blocking, and socketserver wants it blocking
    sock = socket.socket(fileno=3)
    sock.setblocking(True)
    sock.listen(128)
    server = http.server.HTTPServer(sock.getsockname(), Handler, bind_and_activate=False)
    server.socket.close()
    server.socket = sock
else:
    server = http.server.HTTPServer((os.environ.get("HOST", "127.0.0.1"), int(os.environ.get("PORT", "8080"))), Handler)

# on stop: finish the request in progress, then leave; queued connections go to the other instances
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
server.serve_forever()
server.server_close()
