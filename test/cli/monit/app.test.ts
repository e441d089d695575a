// The monitor's loop with a stand-in client and terminal: what it writes per tick (nothing when nothing
// changed), which operations its keys call, a viewer's keys calling none, resize, quit restoring the terminal.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runMonit, type MonitEnd } from '../../../src/cli/monit/app.js';
import { ENTER, LEAVE } from '../../../src/cli/monit/screen.js';
import type { OpCaller } from '../../../src/client/client.js';
import { SentinelError } from '../../../src/core/errors.js';

interface FakeProc { name: string; status: string; pid: number | null; cpu: number | null; memory: number | null; restarts: number; health: string | null; uptimeMs: number | null }

class FakeTerminal extends EventEmitter {
  columns = 100;
  rows = 24;
  out: string[] = [];
  write(text: string): boolean {
    this.out.push(text);
    return true;
  }
  get text(): string {
    return this.out.join('');
  }
}

function fakeClient(procs: FakeProc[], role = 'admin') {
  const calls: Array<{ op: string; params: unknown }> = [];
  const client = {
    async call(op: string, params?: Record<string, unknown>) {
      calls.push({ op, params });
      if (op === 'list') return { processes: procs.map((p) => ({ ...p })) };
      if (op === 'auth.whoami') return { name: 't', role, processes: null };
      if (op === 'api.schema') return { paths: { '/v1/processes/{ref}/stop': { post: { 'x-sentinel-op': 'stop', 'x-sentinel-permission': 'operator' } } } };
      if (op === 'stop') {
        if (role === 'viewer') throw new SentinelError('FORBIDDEN', 'needs operator');
        const p = procs.find((x) => x.name === params?.ref)!;
        p.status = 'stopped';
        return { process: p, alreadyStopped: false, exit: null };
      }
      if (op === 'restart') {
        const p = procs.find((x) => x.name === params?.ref)!;
        p.restarts++;
        return { process: p };
      }
      if (op === 'start') return { process: procs[0], alreadyRunning: true };
      throw new SentinelError('NOT_FOUND', `no ${op}`);
    },
    async *stream(op: string, params: Record<string, unknown>, opts: { signal?: AbortSignal }) {
      calls.push({ op, params });
      yield { stream: 'stdout', line: `first line of ${params.ref}` };
      await new Promise<void>((resolve) => opts.signal?.addEventListener('abort', () => resolve(), { once: true }));
    },
  };
  return { client: client as unknown as OpCaller, calls };
}

const proc = (name: string): FakeProc => ({ name, status: 'running', pid: 10, cpu: 0, memory: 1024, restarts: 0, health: null, uptimeMs: 5000 });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function start(procs: FakeProc[], role = 'admin') {
  const term = new FakeTerminal();
  const input = new PassThrough();
  const { client, calls } = fakeClient(procs, role);
  const done: Promise<MonitEnd> = runMonit({
    client, source: 'test', local: false, color: false, tickMs: 20,
    input: input as unknown as NodeJS.ReadStream, output: term as unknown as NodeJS.WriteStream,
  });
  await sleep(100);
  return { term, input, calls, done, press: async (keys: string) => { input.write(keys); await sleep(80); } };
}

describe('runMonit', () => {
  it('enters the alternate screen, draws once, and writes nothing more while nothing changes', async () => {
    const m = await start([proc('web'), proc('db')]);
    expect(m.term.out[0]).toBe(ENTER);
    expect(m.term.text).toContain('first line of web');
    const written = m.term.text.length;
    const polls = m.calls.filter((c) => c.op === 'list').length;
    await sleep(300);
    expect(m.calls.filter((c) => c.op === 'list').length).toBeGreaterThan(polls + 3);
    expect(m.term.text.length).toBe(written);
    await m.press('q');
    expect(await m.done).toEqual({ code: 0 });
    expect(m.term.out[m.term.out.length - 1]).toBe(LEAVE);
  });

  it('writes only the changed row when one process changes', async () => {
    const procs = [proc('web'), proc('db')];
    const m = await start(procs);
    const before = m.term.out.length;
    procs[1].restarts = 7;
    await sleep(150);
    const frames = m.term.out.slice(before);
    expect(frames).toHaveLength(1);
    // one line: the db row (line 4: header, titles, web, db)
    expect(frames[0].match(/\x1b\[\d+;1H/g)).toEqual(['\x1b[4;1H']);
    expect(frames[0]).toMatch(/db .* 7 /);
    await m.press('q');
    await m.done;
  });

  it('keys call the operations: s then y stops, r restarts, on the selected process', async () => {
    const procs = [proc('web'), proc('db')];
    const m = await start(procs);
    await m.press('j');
    await m.press('s');
    expect(m.calls.some((c) => c.op === 'stop')).toBe(false);
    await m.press('y');
    expect(m.calls.find((c) => c.op === 'stop')?.params).toEqual({ ref: 'db' });
    await m.press('k');
    await m.press('r');
    expect(m.calls.find((c) => c.op === 'restart')?.params).toEqual({ ref: 'web' });
    await sleep(100);
    expect(m.term.text).toContain('Restarted web');
    // following the selection: a logs stream was opened for db, then for web again
    expect(m.calls.filter((c) => c.op === 'logs').map((c) => (c.params as { ref: string }).ref)).toEqual(['web', 'db', 'web']);
    await m.press('q');
    await m.done;
  });

  it('a viewer\'s keys call nothing and say why', async () => {
    const m = await start([proc('web')], 'viewer');
    await m.press('s');
    await m.press('r');
    expect(m.calls.some((c) => c.op === 'stop' || c.op === 'restart')).toBe(false);
    expect(m.term.text).toContain("Your token's role (viewer) cannot restart processes (it needs operator)");
    await m.press('\x03');
    expect((await m.done).code).toBe(0);
  });

  it('redraws in full at the new size on resize', async () => {
    const m = await start([proc('web')]);
    m.term.columns = 50;
    m.term.rows = 12;
    const before = m.term.out.length;
    m.term.emit('resize');
    await sleep(50);
    const frame = m.term.out.slice(before).join('');
    expect(frame.startsWith('\x1b[2J')).toBe(true);
    expect(frame.match(/\x1b\[\d+;1H/g)).toHaveLength(12);
    expect(frame).toContain('── logs: web ' + '─'.repeat(50 - 13));
    await m.press('q');
    await m.done;
  });

  it('SIGTERM ends it with the terminal restored and code 143', async () => {
    const m = await start([proc('web')]);
    process.emit('SIGTERM', 'SIGTERM');
    expect(await m.done).toEqual({ code: 143 });
    expect(m.term.out[m.term.out.length - 1]).toBe(LEAVE);
    expect(process.listenerCount('SIGTERM')).toBe(0);
  });
});
