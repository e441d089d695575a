// sentinel.yaml beyond processes: schedules and notifications applied by up, removed by down.
import http from 'node:http';
import type net from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, tempHome, waitFor } from '../helpers.js';

let home: string;
beforeAll(() => { home = tempHome(); });
afterAll(async () => { await cleanupHome(home); });

describe('schedules and notifications in sentinel.yaml', () => {
  it('up creates them, runs happen, a crash is notified, down removes the schedule', async () => {
    const got: string[] = [];
    const srv = http.createServer((req, res) => { let b = ''; req.on('data', (d) => (b += d)); req.on('end', () => { got.push(b); res.end('ok'); }); });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const file = path.join(home, 'sentinel.yaml');
      writeFileSync(file, [
        'processes:',
        '  flaky:',
        '    command: sleep 0.5; exit 3',
        'schedules:',
        '  tick:',
        '    every: 1s',
        '    command: echo tick',
        'notifications:',
        '  webhooks:',
        `    - url: http://127.0.0.1:${port}/hook`,
        '',
      ].join('\n'));
      const up = await cliJson<{ schedules: string[]; notifications: boolean }>(home, ['up', '-f', file]).catch(async () => {
        const r = await cli(home, ['up', '-f', file]);
        throw new Error(r.stderr);
      });
      expect(up.schedules).toEqual(['tick']);
      expect(up.notifications).toBe(true);
      expect((await cli(home, ['run', 'sleep 1', '--name', 'tick'])).stderr).toBe('Error: a schedule named "tick" already exists; schedules and processes share names, so choose another --name\n');
      expect(await waitFor(async () => {
        const h = await cliJson<{ runs: Array<{ exitCode: number }> }>(home, ['schedule', 'history', 'tick']);
        return h.runs.length >= 2;
      }, 15_000, 250)).toBe(true);
      expect(await waitFor(() => got.some((b) => b.includes('"process":"flaky"')), 15_000, 100)).toBe(true);
      expect(JSON.parse(got.find((b) => b.includes('flaky'))!)).toMatchObject({ event: 'crash', exitCode: 3 });
      const down = await cliJson<{ released: { schedules: string[] } }>(home, ['down', '-f', file]);
      expect(down.released.schedules).toEqual(['tick']);
      const list = await cliJson<{ schedules: unknown[] }>(home, ['schedule', 'list']);
      expect(list.schedules).toEqual([]);
    } finally {
      srv.close();
    }
  });
});
