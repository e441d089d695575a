// Service discovery on one host: a client finds its dependency's auto-assigned port through
// ${service:db.address} and the injected DB_PORT/DB_HOST, and finds the new port after the dependency moves.
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURES, cleanupHome, cli, cliJson, tempHome, waitFor } from '../helpers.js';

let home: string;
let dir: string;

beforeEach(() => {
  home = tempHome();
  dir = tempHome('sn-sd-');
});
afterEach(async () => {
  await cleanupHome(home);
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function stack(dbPort: string): string {
  return [
    'processes:',
    '  db:',
    `    command: ${process.execPath} ${path.join(FIXTURES, 'echo-server.js')}`,
    `    port: ${dbPort}`,
    '    startup: { wait_port: true }',
    '  client:',
    `    command: ${process.execPath} ${path.join(FIXTURES, 'echo-client.js')} \${service:db.address}`,
    '    depends_on: { db: { condition: ready } }',
    '    env:',
    '      DB_URL: tcp://${service:db.host}:${service:db.port}/main',
    '',
  ].join('\n');
}

async function logText(name: string): Promise<string> {
  const r = await cli(home, ['logs', name, '--lines', '50']);
  return r.stdout;
}

describe('service discovery', () => {
  it('a client reaches its dependency on the port the daemon assigned, and the new one after it moves', async () => {
    const file = path.join(dir, 'sentinel.yaml');
    writeFileSync(file, stack('auto'));
    const up = await cliJson<{ ok: boolean; processes: Array<{ name: string; port: number | null }> }>(home, ['up', '-f', file]);
    expect(up.ok).toBe(true);
    const first = up.processes.find((p) => p.name === 'db')!.port!;
    expect(first).toBeGreaterThan(0);
    expect(await waitFor(async () => (await logText('client')).includes(`got pong ${first}`), 15_000)).toBe(true);
    const text = await logText('client');
    expect(text).toContain(`env DB_PORT=${first} DB_HOST=127.0.0.1 DB_URL=tcp://127.0.0.1:${first}/main`);

    // the dependency moves to another port: the client's next start finds it there
    const second = await freePort();
    writeFileSync(file, stack(String(second)));
    const reload = await cli(home, ['reload', '-f', file]);
    expect(reload.code, reload.stderr).toBe(0);
    const restart = await cli(home, ['restart', 'client']);
    expect(restart.code, restart.stderr).toBe(0);
    expect(await waitFor(async () => (await logText('client')).includes(`got pong ${second}`), 15_000)).toBe(true);
    expect(await logText('client')).toContain(`env DB_PORT=${second} DB_HOST=127.0.0.1 DB_URL=tcp://127.0.0.1:${second}/main`);
  }, 60_000);

  it('rejects a malformed service reference at load, naming the key', async () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'processes:\n  a:\n    command: sleep 100\n    env:\n      X: ${service:db}\n');
    const r = await cli(home, ['up', '-f', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('invalid service reference "${service:db}"');
    expect(r.stderr).toContain('processes.a.env.X');
    const list = await cliJson<{ processes: unknown[] }>(home, ['list']);
    expect(list.processes).toEqual([]);
  }, 30_000);

  it('a reference to a process without a port fails that start with a clear reason', async () => {
    const file = path.join(dir, 'noport.yaml');
    writeFileSync(file, 'processes:\n  db:\n    command: sleep 100\n  a:\n    command: sleep 100\n    env:\n      P: ${service:db.port}\n');
    const r = await cli(home, ['up', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('refers to the port of "db", which has none; give "db" a port');
  }, 30_000);
});
