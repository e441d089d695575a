// A tiny HTTP server on 127.0.0.1:$PORT.
import http from 'node:http';

const port = Number(process.env.PORT) || 8080;
const greeting = process.env.GREETING || 'hello';
let hits = 0;
const server = http.createServer((req, res) => {
  hits += 1;
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(`${greeting} (request ${hits}, ${req.method} ${req.url})\n`);
});
server.listen(port, '127.0.0.1', () => console.log(`web listening on http://127.0.0.1:${port}/`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
