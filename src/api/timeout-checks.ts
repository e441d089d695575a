// Node's HTTP server enforces headersTimeout and requestTimeout from one interval timer that runs from
// listen() to close(), whether a connection is open or not: with the checks every second, an idle daemon
// woke once a second on its socket, and once more on its TCP listener. Here the same check (Node's own
// function, taken from its timer, so the 408 answers are unchanged) runs only while a connection is open.
// Node keeps the timer under a symbol; if a Node version names it otherwise, its timer is left as it is.
import type { Server, Socket } from 'node:net';

const TIMER = 'http.server.connectionsCheckingInterval';

/** Runs the timeout checks of `server` (an http or https server) every `intervalMs` while at least one connection is open. */
export function checkTimeoutsWhileConnected(server: Server, intervalMs: number): void {
  let open = 0;
  let closed = false;
  let check: (() => void) | undefined;
  let key: symbol | undefined;
  // after Node's own 'listening' handler (registered in the constructor), which starts its timer
  server.on('listening', () => {
    key = Object.getOwnPropertySymbols(server).find((s) => s.description === TIMER);
    const timer = key ? (server as unknown as Record<symbol, NodeJS.Timeout | undefined>)[key] : undefined;
    const onTimeout = (timer as unknown as { _onTimeout?: unknown } | undefined)?._onTimeout;
    if (!timer || typeof onTimeout !== 'function') return;
    check = onTimeout as () => void;
    clearInterval(timer);
    setTimer(open > 0 ? start() : undefined);
  });
  server.on('close', () => {
    closed = true;
  });
  server.on('connection', (socket: Socket) => {
    if (++open === 1 && check && !closed) setTimer(start());
    socket.once('close', () => {
      if (--open === 0 && check) {
        clearInterval(timerOf());
        setTimer(undefined);
      }
    });
  });

  function start(): NodeJS.Timeout {
    return setInterval(check!, intervalMs).unref();
  }
  // kept where Node looks for it: server.close() clears the timer that runs at the time
  function setTimer(timer: NodeJS.Timeout | undefined): void {
    (server as unknown as Record<symbol, NodeJS.Timeout | undefined>)[key!] = timer;
  }
  function timerOf(): NodeJS.Timeout | undefined {
    return (server as unknown as Record<symbol, NodeJS.Timeout | undefined>)[key!];
  }
}
