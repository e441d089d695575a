// The monitor's loop: polls `list` on a tick, follows the selected process's logs (`logs` with follow), and turns
// keys into `start`/`stop`/`restart` calls — the same operations as every face, through whichever client it is
// given. Frames are drawn only when something changed, at most one every MIN_FRAME_MS, changed lines only.
import type { OpCaller } from '../../client/client.js';
import { SentinelError } from '../../core/errors.js';
import { parseKeys, press, type Effect } from './keys.js';
import { render } from './render.js';
import { Screen } from './screen.js';
import { permissions, whoami } from './access.js';
import { appendLogs, initialState, MAX_LOG_LINES, withRows, type Action, type LogEntry, type MonitState, type Row } from './state.js';

export interface MonitOptions {
  client: OpCaller;
  /** Shown in the header: "local" and the home, or the remote URL. */
  source: string;
  /** The Unix socket: its caller is the owner (admin) even when the daemon predates `auth.whoami`. */
  local: boolean;
  color: boolean;
  input: NodeJS.ReadStream;
  output: NodeJS.WriteStream;
  tickMs?: number;
  /** Rows of every host of daemon.yaml (`hosts.processes`), with a HOST column; `hostFilter` shows one at first. */
  hosts?: boolean;
  hostFilter?: string;
}

export interface MonitEnd { code: number; error?: string }

const MIN_FRAME_MS = 50;
const FOLLOW_DELAY_MS = 150;
const ACTION_TIMEOUT_MS = 120_000;

function toRow(p: Row): Row {
  const row: Row = { name: p.name, status: p.status, pid: p.pid, cpu: p.cpu, memory: p.memory, restarts: p.restarts, health: p.health, uptimeMs: p.uptimeMs };
  if (p.host !== undefined) row.host = p.host;
  return row;
}

interface Table { rows: Row[]; errors: Array<{ host: string; error: string }>; hosts: string[] | null }

/** One refresh: `list` of one daemon, or `hosts.processes` of every host it lists. */
async function fetchTable(client: OpCaller, hosts: boolean): Promise<Table> {
  if (!hosts) return { rows: (await client.call('list')).processes.map(toRow), errors: [], hosts: null };
  const r = await client.call('hosts.processes');
  return { rows: r.processes.map(toRow), errors: r.errors.map((e) => ({ host: e.host, error: e.error })), hosts: r.hosts };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const DOING: Record<Action, string> = { start: 'Starting', stop: 'Stopping', restart: 'Restarting' };
const DONE: Record<Action, string> = { start: 'Started', stop: 'Stopped', restart: 'Restarted' };

export async function runMonit(opts: MonitOptions): Promise<MonitEnd> {
  const { client, input, output } = opts;
  const tickMs = opts.tickMs ?? 1000;
  // the first answer comes before the screen changes: a bad token or a daemon that is down is a plain error
  const hostsMode = opts.hosts === true || opts.hostFilter !== undefined;
  const first = await fetchTable(client, hostsMode);
  if (opts.hostFilter !== undefined && !first.hosts!.includes(opts.hostFilter)) {
    throw new SentinelError('INVALID_ARGUMENT', `--host-filter ${JSON.stringify(opts.hostFilter)} is not a host of the daemon; its hosts are ${first.hosts!.join(', ')} (hosts: in daemon.yaml)`);
  }
  const [role, needs] = await Promise.all([whoami(client, opts.local), permissions(client)]);
  let state: MonitState = withRows(
    initialState({ width: output.columns || 80, height: output.rows || 24, color: opts.color, source: opts.source, role, needs, hosts: first.hosts, hostFilter: opts.hostFilter ?? null }),
    first.rows,
    first.errors,
  );
  const screen = new Screen(output);

  return new Promise<MonitEnd>((resolve) => {
    let done = false;
    let pollTimer: NodeJS.Timeout | null = null;
    let renderTimer: NodeJS.Timeout | null = null;
    let followTimer: NodeJS.Timeout | null = null;
    let lastFrame = 0;
    let polling = false;
    let pollAgain = false;
    let followed: string | null = null;
    let logAbort: AbortController | null = null;
    let pendingLogs: LogEntry[] = [];

    const drawNow = () => {
      if (done) return;
      if (pendingLogs.length > 0) {
        state = appendLogs(state, pendingLogs);
        pendingLogs = [];
      }
      lastFrame = Date.now();
      screen.draw(render(state));
    };
    const scheduleDraw = () => {
      if (renderTimer || done) return;
      renderTimer = setTimeout(() => {
        renderTimer = null;
        drawNow();
      }, Math.max(0, lastFrame + MIN_FRAME_MS - Date.now()));
    };

    const note = (text: string) => {
      pendingLogs.push({ stream: 'note', line: text });
      scheduleDraw();
    };
    const follow = (name: string | null) => {
      logAbort?.abort();
      logAbort = null;
      followed = name;
      pendingLogs = [];
      state = { ...state, logName: name, logs: [] };
      if (name === null) return;
      if (name.includes('/')) {
        // HOST/NAME: a process of another host; its logs are that host's
        const [host, proc] = [name.slice(0, name.indexOf('/')), name.slice(name.indexOf('/') + 1)];
        note(`(logs of other hosts are not followed here: sentinel --host ${host} logs ${proc} -f)`);
        return;
      }
      const ac = new AbortController();
      logAbort = ac;
      const lines = Math.max(10, state.height);
      void (async () => {
        try {
          for await (const item of client.stream('logs', { ref: name, lines, follow: true }, { signal: ac.signal })) {
            pendingLogs.push({ stream: item.stream, line: item.line });
            if (pendingLogs.length > MAX_LOG_LINES) pendingLogs.splice(0, pendingLogs.length - MAX_LOG_LINES);
            scheduleDraw();
          }
          if (!ac.signal.aborted) note('(the log stream ended; following again on the next refresh)');
        } catch (err) {
          if (!ac.signal.aborted) note(`(cannot follow the logs: ${messageOf(err)})`);
        } finally {
          if (logAbort === ac) logAbort = null;
        }
      })();
    };
    // follows the selected process: at once when nothing is followed, a moment later while keys move the selection
    const syncFollow = (delayed: boolean) => {
      if (followTimer) clearTimeout(followTimer);
      followTimer = null;
      if (state.selected === followed && (logAbort || followed === null)) return;
      if (!delayed) follow(state.selected);
      else {
        state = { ...state, logName: state.selected, logs: [] };
        pendingLogs = [];
        followTimer = setTimeout(() => {
          followTimer = null;
          follow(state.selected);
          scheduleDraw();
        }, FOLLOW_DELAY_MS);
      }
    };

    const poll = async () => {
      polling = true;
      try {
        const t = await fetchTable(client, hostsMode);
        state = withRows({ ...state, hosts: t.hosts }, t.rows, t.errors);
      } catch (err) {
        state = { ...state, problem: messageOf(err) };
      }
      polling = false;
      if (done) return;
      if (!followTimer) syncFollow(false);
      scheduleDraw();
      if (pollAgain) {
        pollAgain = false;
        void poll();
      } else pollTimer = setTimeout(refresh, tickMs);
    };
    const refresh = () => {
      if (done) return;
      if (polling) {
        pollAgain = true;
        return;
      }
      if (pollTimer) clearTimeout(pollTimer);
      pollTimer = null;
      void poll();
    };

    const perform = async (action: Action, name: string, host?: string) => {
      const label = host ? `${name} on ${host}` : name;
      state = { ...state, message: { text: `${DOING[action]} ${label}…`, error: false } };
      scheduleDraw();
      let text: string;
      let error = false;
      try {
        if (host) {
          // another host's process: that host's own operation, through this daemon (hosts.act)
          await client.call('hosts.act', { host, action, ref: name }, { minTimeoutMs: ACTION_TIMEOUT_MS });
          text = `${DONE[action]} ${label}`;
        } else if (action === 'stop') {
          const r = await client.call('stop', { ref: name }, { minTimeoutMs: ACTION_TIMEOUT_MS });
          text = r.alreadyStopped ? `${name} was not running (${r.process.status})` : `Stopped ${name}`;
        } else if (action === 'start') {
          const r = await client.call('start', { ref: name }, { minTimeoutMs: ACTION_TIMEOUT_MS });
          text = r.alreadyRunning ? `${name} is already running (r restarts it)` : `Started ${name}`;
        } else {
          await client.call('restart', { ref: name }, { minTimeoutMs: ACTION_TIMEOUT_MS });
          text = `Restarted ${name}`;
        }
      } catch (err) {
        error = true;
        const denied = err instanceof SentinelError && err.status === 403;
        text = denied && state.role ? `Your token's role (${state.role}) cannot ${action} processes: ${err.message}` : messageOf(err);
      }
      if (done) return;
      state = { ...state, message: { text, error } };
      scheduleDraw();
      refresh();
    };

    const apply = (effect: Effect | undefined) => {
      if (!effect) return;
      if (effect.kind === 'quit') finish({ code: 0 });
      else if (effect.kind === 'redraw') screen.invalidate();
      else void perform(effect.action, effect.name, effect.host);
    };
    const onData = (data: string) => {
      for (const key of parseKeys(data)) {
        const before = state.selected;
        const r = press(state, key);
        state = r.state;
        apply(r.effect);
        if (done) return;
        if (state.selected !== before) syncFollow(true);
      }
      drawNow();
    };
    const onResize = () => {
      state = { ...state, width: output.columns || state.width, height: output.rows || state.height };
      screen.invalidate();
      drawNow();
    };
    const onSignal = (signal: NodeJS.Signals) => finish({ code: 128 + (signal === 'SIGHUP' ? 1 : signal === 'SIGINT' ? 2 : 15) });
    const onCrash = (err: unknown) => finish({ code: 1, error: `the monitor failed: ${messageOf(err)}` });

    function finish(end: MonitEnd) {
      if (done) return;
      done = true;
      for (const t of [pollTimer, renderTimer, followTimer]) if (t) clearTimeout(t);
      logAbort?.abort();
      screen.leave();
      input.off('data', onData);
      output.off('resize', onResize);
      for (const s of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.off(s, onSignal);
      process.off('uncaughtException', onCrash);
      process.off('unhandledRejection', onCrash);
      if (input.isTTY) input.setRawMode(false);
      input.pause();
      resolve(end);
    }

    for (const s of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.on(s, onSignal);
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    output.on('resize', onResize);
    if (input.isTTY) input.setRawMode(true);
    input.setEncoding('utf8');
    input.on('data', onData);
    input.resume();
    screen.enter();
    syncFollow(false);
    drawNow();
    pollTimer = setTimeout(refresh, tickMs);
  });
}
