// Cluster mode through the built CLI and a real daemon: one socket shared by Node, Python and a plain
// binary's instances (none refused while instances are replaced under load), ports per instance,
// `sentinel scale`, scaling on real CPU load with its events, custom policies, and the bad inputs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, FIXTURES, ROOT, tempHome, waitFor } from '../helpers.js';

interface View { id: number; name: string; definition: string; instance: number; instances: number; pid: number | null; status: string; port: number | null; portMode: string | null }
interface Ev { kind: string; reason: string | null; processName: string | null }

const EXAMPLES = path.join(ROOT, 'examples/shared-socket');
let home: string;
let dir: string;

beforeAll(() => {
  home = tempHome('sn-clu-');
  dir = mkdtempSync(path.join(os.tmpdir(), 'sn-clu-dir-'));
});
afterAll(async () => {
  await cleanupHome(home);
  rmSync(dir, { recursive: true, force: true });
});

const list = async (): Promise<View[]> => (await cliJson<{ processes: View[] }>(home, ['list'])).processes;
const of = async (definition: string): Promise<View[]> => (await list()).filter((p) => p.definition === definition);
const events = async (name: string): Promise<Ev[]> => (await cliJson<{ events: Ev[] }>(home, ['events', name, '--limit', '500'])).events;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** `n` free ports in a row (per-instance and proxy modes). */
async function freePorts(n: number): Promise<number> {
  const free = (p: number) => new Promise<boolean>((r) => {
    const s = net.createServer().once('error', () => r(false)).listen(p, '127.0.0.1', () => s.close(() => r(true)));
  });
  for (let i = 0; i < 20; i++) {
    const p = await freePort();
    if (p >= 65000) continue;
    let ok = true;
    for (let k = 1; k < n && ok; k++) ok = await free(p + k);
    if (ok) return p;
  }
  throw new Error(`no ${n} free ports in a row`);
}

function get(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** Requests in a loop from `workers` clients until stop() is called: what answered and what failed. */
function loadLoop(port: number, workers = 4) {
  let running = true;
  const seen = new Set<string>();
  const failures: string[] = [];
  let ok = 0;
  const worker = async () => {
    while (running) {
      try {
        const r = await get(port);
        if (r.status === 200) {
          ok++;
          seen.add(r.body.split(' ')[0]);
        } else failures.push(`status ${r.status}`);
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  };
  const all = Promise.all(Array.from({ length: workers }, worker));
  return { seen, failures, get ok() { return ok; }, stop: async () => { running = false; await all; } };
}

describe('shared socket', () => {
  let port: number;
  it('Node and Python instances listen on one socket the daemon passes as fd 3', async () => {
    port = await freePort();
    // instance 0 runs the Node example, the others the Python one: two languages behind one port
    const both = 'if [ "$SENTINEL_INSTANCE" = 0 ]; then exec node server.mjs; else exec python3 server.py; fi';
    const r = await cli(home, ['run', '--name', 'web', '--instances', '3', '--port', String(port), '--port-mode', 'shared', '--cwd', EXAMPLES, both]);
    expect(r.code, r.stderr).toBe(0);
    const web = await of('web');
    expect(web.map((p) => [p.status, p.port, p.portMode])).toEqual([['running', port, 'shared'], ['running', port, 'shared'], ['running', port, 'shared']]);
    const bodies = new Set<string>();
    expect(await waitFor(async () => {
      bodies.add((await get(port)).body.split(' ').slice(0, 2).join(' '));
      return ['node 0', 'python 1', 'python 2'].every((b) => bodies.has(b));
    }, 20_000, 0)).toBe(true);
    const table = await cli(home, ['list']);
    expect(table.stdout).toContain(`web (3) shared :${port}`);
    const status = await cli(home, ['status', 'web:1']);
    expect(status.stdout).toContain(`Port:      ${port} (one socket shared by 3 instances, fd 3)`);
  });

  it('replacing instances one at a time under continuous load loses no request', async () => {
    const load = loadLoop(port);
    await waitFor(() => load.ok > 20, 20_000);
    for (const ref of ['web:1', 'web:0', 'web:2', 'web:1']) {
      const before = (await of('web')).find((p) => p.name === ref)!.pid;
      const r = await cli(home, ['restart', ref]);
      expect(r.code, r.stderr).toBe(0);
      expect((await of('web')).find((p) => p.name === ref)!.pid).not.toBe(before);
      const mark = load.ok;
      await waitFor(() => load.ok > mark + 20, 20_000);
    }
    await load.stop();
    expect(load.failures).toEqual([]);
    expect(load.ok).toBeGreaterThan(100);
    expect([...load.seen].sort()).toEqual(['node', 'python']);
  });

  it('a plain binary takes the socket too (the C example)', async () => {
    const bin = path.join(dir, 'c-server');
    try {
      execFileSync('cc', ['-O2', '-o', bin, path.join(EXAMPLES, 'server.c')]);
    } catch (err) {
      throw new Error(`the C example must compile with cc: ${(err as Error).message}`);
    }
    const cport = await freePort();
    const r = await cli(home, ['run', '--name', 'csrv', '--instances', '2', '--port', String(cport), '--port-mode', 'shared', bin]);
    expect(r.code, r.stderr).toBe(0);
    const bodies = new Set<string>();
    expect(await waitFor(async () => {
      bodies.add((await get(cport)).body.split(' ').slice(0, 2).join(' '));
      return bodies.has('c 0') && bodies.has('c 1');
    }, 20_000, 0)).toBe(true);
    expect((await cli(home, ['delete', 'csrv'])).code).toBe(0);
    // the socket goes with the definition: the port is free again
    expect(await waitFor(async () => {
      const s = net.createServer();
      return new Promise<boolean>((res) => s.once('error', () => res(false)).listen(cport, '127.0.0.1', () => s.close(() => res(true))));
    }, 10_000, 100)).toBe(true);
  });

  it('a program that binds PORT itself instead of taking the socket fails readiness with that reason', async () => {
    const bport = await freePort();
    const r = await cli(home, ['run', '--name', 'binder', '--port', String(bport), '--port-mode', 'shared', '--startup-timeout', '2s', '--',
      'python3', '-c', 'import http.server,os; http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), http.server.BaseHTTPRequestHandler).serve_forever()']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('"binder" never listened on the shared socket (fd 3');
    expect(r.stderr).toContain('LISTEN_FDS=1');
    expect((await of('binder'))[0].status).toBe('stopped');
    expect((await events('binder')).some((e) => e.reason?.includes('not ready: "binder" never listened on the shared socket'))).toBe(true);
    await cli(home, ['delete', 'binder']);
  });
});

describe('ports per instance', () => {
  it('instance i gets PORT = port + i, also in its readiness check', async () => {
    const base = await freePorts(2);
    const r = await cli(home, ['run', '--name', 'pi', '--instances', '2', '--port', String(base), '--port-mode', 'per-instance',
      '--wait-port', '${PORT}', '--startup-timeout', '20s', 'exec python3 -m http.server $PORT --bind 127.0.0.1']);
    expect(r.code, r.stderr).toBe(0);
    const pi = await of('pi');
    expect(pi.map((p) => [p.name, p.port, p.portMode, p.status])).toEqual([['pi:0', base, 'per-instance', 'running'], ['pi:1', base + 1, 'per-instance', 'running']]);
    expect((await get(base)).status).toBe(200);
    expect((await get(base + 1)).status).toBe(200);
    expect((await cli(home, ['status', 'pi:1'])).stdout).toContain(`Port:      ${base + 1} (per instance: base + 1)`);
    await cli(home, ['delete', 'pi']);
  });
});

describe('proxy', () => {
  it('a proxy on the port spreads connections over instances on the next ports; replacing them under load loses none', async () => {
    const base = await freePorts(3);
    const both = 'if [ "$SENTINEL_INSTANCE" = 0 ]; then exec node server.mjs; else exec python3 server.py; fi';
    const r = await cli(home, ['run', '--name', 'px', '--instances', '2', '--port', String(base), '--port-mode', 'proxy',
      '--wait-port', '${PORT}', '--cwd', EXAMPLES, both]);
    expect(r.code, r.stderr).toBe(0);
    const px = await of('px');
    expect(px.map((p) => [p.port, p.portMode, p.status])).toEqual([[base + 1, 'proxy', 'running'], [base + 2, 'proxy', 'running']]);
    expect((await cli(home, ['list'])).stdout).toContain(`px (2) proxy :${base}`);
    const load = loadLoop(base);
    await waitFor(() => load.ok > 20, 20_000);
    for (const ref of ['px:0', 'px:1']) {
      const rr = await cli(home, ['restart', ref]);
      expect(rr.code, rr.stderr).toBe(0);
      const mark = load.ok;
      await waitFor(() => load.ok > mark + 20, 20_000);
    }
    await load.stop();
    expect(load.failures).toEqual([]);
    expect([...load.seen].sort()).toEqual(['node', 'python']);
    expect((await cli(home, ['delete', 'px'])).code).toBe(0);
    // the proxy goes with the definition
    expect(await waitFor(async () => {
      const s = net.createServer();
      return new Promise<boolean>((res) => s.once('error', () => res(false)).listen(base, '127.0.0.1', () => s.close(() => res(true))));
    }, 10_000, 100)).toBe(true);
  });

  it('an instance behind the proxy is drained before its stop signal: a slow request in flight is answered, a hung one waits only the stop timeout', async () => {
    const base = await freePorts(2);
    // answers /slow after 1.5 s, /hang never; dies at once on SIGTERM (no graceful close of its own)
    const server = path.join(dir, 'slow-server.mjs');
    writeFileSync(server, "import http from 'node:http';\n" +
      "http.createServer((q, s) => { if (q.url === '/hang') return; setTimeout(() => s.end('slow done'), q.url === '/slow' ? 1500 : 0); }).listen(Number(process.env.PORT), '127.0.0.1');\n");
    const r = await cli(home, ['run', '--name', 'dr', '--port', String(base), '--port-mode', 'proxy', '--wait-port', '${PORT}',
      '--stop-timeout', '2s', `node ${server}`]);
    expect(r.code, r.stderr).toBe(0);
    const request = (p: string) => new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: base, path: p, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body));
      });
      req.on('error', reject);
    });
    const slow = request('/slow');
    await new Promise((res) => setTimeout(res, 300)); // the request is at the instance now
    const stop = await cli(home, ['stop', 'dr']);
    expect(stop.code, stop.stderr).toBe(0);
    // without the drain, SIGTERM would have cut it: "socket hang up"
    expect(await slow).toBe('slow done');
    expect((await of('dr'))[0].status).toBe('stopped');
    // a connection that never ends holds the stop for the stop timeout only, then is cut by the signal
    expect((await cli(home, ['start', 'dr'])).code).toBe(0);
    const hung = request('/hang').then(() => 'answered', (err: Error) => err.message);
    await new Promise((res) => setTimeout(res, 300));
    const t0 = Date.now();
    expect((await cli(home, ['stop', 'dr'])).code).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1500); // it did wait (for the 2 s stop timeout)
    expect(await hung).toBe('socket hang up');
    // a forced stop does not wait
    expect((await cli(home, ['start', 'dr'])).code).toBe(0);
    const hung2 = request('/hang').catch((err: Error) => err.message);
    await new Promise((res) => setTimeout(res, 300));
    expect((await cli(home, ['stop', 'dr', '--force'])).code).toBe(0);
    expect(await hung2).toBe('socket hang up');
    expect((await cli(home, ['delete', 'dr'])).code).toBe(0);
  });

  it('a proxy port already taken fails the start with the reason', async () => {
    const blocker = net.createServer();
    const port = await new Promise<number>((res) => blocker.listen(0, '127.0.0.1', () => res((blocker.address() as net.AddressInfo).port)));
    try {
      // the port is in use, so Sentinel cannot allocate it: the refusal comes before anything starts
      const r = await cli(home, ['run', '--name', 'pxbad', '--port', String(port), '--port-mode', 'proxy', 'sleep 30']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`port ${port} is in use`);
      expect(await of('pxbad')).toEqual([]);
    } finally {
      blocker.close();
    }
  });
});

describe('sentinel scale', () => {
  it('changes the count live: +2, -1, an absolute count', async () => {
    expect((await cli(home, ['scale', 'web', '+2'])).stdout).toContain('Scaled web: 3 → 5 instances');
    let web = await of('web');
    expect(web.map((p) => p.status)).toEqual(Array(5).fill('running'));
    const r = await cli(home, ['scale', 'web', '-1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Scaled web: 5 → 4 instances');
    expect((await cli(home, ['scale', 'web', '2'])).stdout).toContain('Scaled web: 4 → 2 instances');
    web = await of('web');
    expect(web.map((p) => p.name)).toEqual(['web:0', 'web:1']);
    expect((await cli(home, ['scale', 'web', '2'])).stdout).toContain('web already has 2 instances; nothing to do');
    // max: one per core for a definition without scale bounds
    const cores = os.availableParallelism();
    const mx = await cli(home, ['run', '--name', 'mx', '--instances', 'max', 'sleep 60']);
    expect(mx.code, mx.stderr).toBe(0);
    expect((await of('mx')).length).toBe(cores);
    expect((await cli(home, ['scale', 'mx', '1'])).code).toBe(0);
    expect((await cli(home, ['scale', 'mx', 'max'])).stdout).toContain(`Scaled mx: 1 → ${cores} instances`);
    await cli(home, ['delete', 'mx']);
    const scaleEvents = (await events('web')).filter((e) => e.kind === 'scale').map((e) => e.reason);
    expect(scaleEvents).toEqual(['scaled by cli: 3 → 5', 'scaled by cli: 5 → 4', 'scaled by cli: 4 → 2']);
  });

  it('refuses a count below one, garbage, an instance or an unknown name — nothing changes', async () => {
    const cases: Array<[string[], string]> = [
      [['scale', 'web', '0'], 'cannot scale "web" to 0: at least one instance runs (it has 2); to run none, stop it: sentinel stop web'],
      [['scale', 'web', '-5'], 'cannot scale "web" to -3'],
      [['scale', 'web', 'lots'], 'scale web "lots": expected a count (6), a change (+2, -1) or "max"'],
      [['scale', 'web', '1001'], 'at most 1000 instances'],
      [['scale', 'web:1', '3'], 'scale acts on a whole definition: "sentinel scale web 3"'],
      [['scale', 'nosuch', '3'], 'no process named or numbered "nosuch"'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(home, args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
    expect((await of('web')).length).toBe(2);
  });
});

describe('bad port modes', () => {
  it('refuses a mode without a port, an unknown mode and bad scale bounds (flags and config file)', async () => {
    const cases: Array<[string[], string]> = [
      [['run', '--name', 'nop', '--port-mode', 'shared', 'sleep 30'], '--port-mode shared needs a port: give one'],
      [['run', '--name', 'nop', '--port', '4999', '--port-mode', 'both', 'sleep 30'], '--port-mode "both": expected "shared"'],
      [['run', '--name', 'nop', '--scale', '4-2', 'sleep 30'], 'min 4 is larger than max 2'],
      [['run', '--name', 'nop', '--scale', 'two', 'sleep 30'], '--scale "two": expected MIN-MAX like "2-4"'],
      [['run', '--name', 'nop', '--scale-cpu', '50%', 'sleep 30'], 'add --scale, e.g. --scale 2-4'],
    ];
    for (const [args, message] of cases) {
      const r = await cli(home, args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toContain(message);
    }
    expect(await of('nop')).toEqual([]);
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'processes:\n  app:\n    command: sleep 30\n    port_mode: shared\n    scale: {min: 5, max: 2}\n');
    const r = await cli(home, ['up', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('min (5) is larger than max (2)');
    expect(await of('app')).toEqual([]);
  });
});

describe('scaling on load', () => {
  it('2 → 4 while the instances burn CPU, back to 2 after, each decision an event with its reason', async () => {
    const burn = path.join(dir, 'burn-now');
    const file = path.join(dir, 'scaled.yaml');
    writeFileSync(file, [
      'processes:',
      '  burner:',
      `    command: node ${path.join(FIXTURES, 'cluster/burn.js')}`,
      `    env: {BURN_FILE: ${burn}}`,
      '    scale: {min: 2, max: 4, cpu: 15%, up_after: 2s, down_after: 3s, cooldown: 1s}',
      '',
    ].join('\n'));
    const up = await cli(home, ['up', '-f', file]);
    expect(up.code, up.stderr).toBe(0);
    expect((await of('burner')).length).toBe(2);
    // idle: nothing changes (min is 2)
    await new Promise((r) => setTimeout(r, 4000));
    expect((await of('burner')).length).toBe(2);
    writeFileSync(burn, '');
    expect(await waitFor(async () => (await of('burner')).length === 4, 60_000, 250)).toBe(true);
    unlinkSync(burn);
    expect(await waitFor(async () => (await of('burner')).length === 2, 60_000, 250)).toBe(true);
    const decisions = (await events('burner')).filter((e) => e.kind === 'scale').map((e) => e.reason!);
    const ups = decisions.filter((d) => d.includes(' > '));
    const downs = decisions.filter((d) => d.includes(' < '));
    expect(ups.length).toBeGreaterThan(0);
    expect(downs.length).toBeGreaterThan(0);
    for (const d of ups) expect(d).toMatch(/^cpu \d+ % > 15 % for 2s: [23] → [34]$/);
    for (const d of downs) expect(d).toMatch(/^cpu \d+ % < 15 % for 3s: [34] → [23]$/);
    // in order: every scale-up before the first scale-down, the counts chained 2 → … → 4 → … → 2
    expect(decisions.indexOf(ups[ups.length - 1])).toBeLessThan(decisions.indexOf(downs[0]));
    const counts = decisions.map((d) => d.match(/(\d+) → (\d+)$/)!.slice(1).map(Number));
    expect(counts[0][0]).toBe(2);
    for (let i = 1; i < counts.length; i++) expect(counts[i][0]).toBe(counts[i - 1][1]);
    expect(Math.max(...counts.map((c) => c[1]))).toBe(4);
    expect(counts[counts.length - 1][1]).toBe(2);
    const status = await cli(home, ['status', 'burner']);
    expect(status.stdout).toContain('Scale:     2-4 instances, cpu 15%; up after 2s, down after 3s, cooldown 1s');
    // applying the file again keeps the count it scaled to (within the file's bounds)
    expect((await cli(home, ['scale', 'burner', '3'])).code).toBe(0);
    const again = await cli(home, ['up', '-f', file]);
    expect(again.code, again.stderr).toBe(0);
    expect((await of('burner')).length).toBe(3);
    expect((await cli(home, ['scale', 'burner', '2'])).code).toBe(0);
    // a person cannot go past the configured bounds either
    const over = await cli(home, ['scale', 'burner', '5']);
    expect(over.code).toBe(2);
    expect(over.stderr).toContain('cannot scale "burner" to 5: its scale maximum is 4 (scale: {min: 2, max: 4}); raise max in its definition first');
    const under = await cli(home, ['scale', 'burner', '-1']);
    expect(under.stderr).toContain('its scale minimum is 2');
    expect((await cli(home, ['scale', 'burner', 'max'])).stdout).toContain('Scaled burner: 2 → 4 instances');
    await cli(home, ['delete', 'burner']);
  });
});

describe('custom scaling policies', () => {
  const policyFile = (name: string, policy: string, env: Record<string, string> = {}) => {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, [
      'processes:',
      `  ${name}:`,
      '    command: sleep 300',
      `    env: ${JSON.stringify(env)}`,
      `    scale: {min: 1, max: 3, up_after: 1s, down_after: 1s, cooldown: 1s, policy: ${policy}}`,
      '',
    ].join('\n'));
    return file;
  };

  it('a module\'s answer is clamped to min..max', async () => {
    const file = policyFile('pol', `{module: ${path.join(FIXTURES, 'cluster/policy.mjs')}}`, { POLICY_ANSWER: '10' });
    expect((await cli(home, ['up', '-f', file])).code).toBe(0);
    expect(await waitFor(async () => (await of('pol')).length === 3, 30_000, 250)).toBe(true);
    const decision = (await events('pol')).find((e) => e.kind === 'scale');
    expect(decision?.reason).toBe('policy answered 10 (clamped to 1..3): 1 → 3');
    await cli(home, ['delete', 'pol']);
  });

  it('a policy that hangs, crashes or answers garbage is an event, and the count stays', async () => {
    const cases: Array<[string, string, string]> = [
      ['hang', '{command: "sleep 30", timeout: 1s}', 'did not answer within 1s; it was killed'],
      ['crash', '{command: "echo broken >&2; exit 3"}', 'failed (exit code 3): broken'],
      ['garbage', '{command: "echo lots"}', 'it answered "lots", not a whole number'],
    ];
    for (const [name, policy] of cases) expect((await cli(home, ['up', '-f', policyFile(name, policy)])).code).toBe(0);
    for (const [name, , message] of cases) {
      expect(await waitFor(async () => (await events(name)).some((e) => e.kind === 'scale-policy-failed'), 30_000, 250), name).toBe(true);
      const failed = (await events(name)).filter((e) => e.kind === 'scale-policy-failed');
      expect(failed[0].reason, name).toContain(message);
      expect(failed[0].reason, name).toContain('keeping 1 instances');
      // said once, not on every tick
      await new Promise((r) => setTimeout(r, 1500));
      expect((await events(name)).filter((e) => e.kind === 'scale-policy-failed').length, name).toBe(1);
      expect((await of(name)).length, name).toBe(1);
    }
  });
});
