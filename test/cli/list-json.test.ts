// `sentinel list --json` prints the daemon's own indented text (x-sentinel-indent: 2, src/api/server.ts) instead
// of parsing and printing the answer again: the output must be what printJson wrote, and only successful
// answers are indented.
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, tempHome } from '../helpers.js';

function post(home: string, op: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ socketPath: path.join(home, 'sentinel.sock'), method: 'POST', path: `/v1/ops/${op}`, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

describe('list --json, indented by the daemon', () => {
  let home: string;
  beforeAll(async () => {
    home = tempHome();
    for (const name of ['a', 'b']) expect((await cli(home, ['run', '--no-wait', '--name', name, '--', 'sleep', '4334'])).code).toBe(0);
  });
  afterAll(async () => {
    await cleanupHome(home);
  });

  it('prints what JSON.stringify(answer, null, 2) prints, the fast path and the full CLI alike', async () => {
    for (const env of [{}, { SENTINEL_CLI_FAST: '0' }]) {
      const r = await cli(home, ['list', '--json'], { env });
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(JSON.stringify(JSON.parse(r.stdout), null, 2) + '\n');
      expect((JSON.parse(r.stdout) as { processes: Array<{ name: string }> }).processes.map((p) => p.name)).toEqual(['a', 'b']);
    }
  });

  it('indents a successful answer only when asked, and says so; an error stays compact', async () => {
    const asked = await post(home, 'list', { 'x-sentinel-indent': '2' });
    expect(asked.headers['x-sentinel-indent']).toBe('2');
    expect(asked.text).toBe(JSON.stringify(JSON.parse(asked.text), null, 2));
    const plain = await post(home, 'list', {});
    expect(plain.headers['x-sentinel-indent']).toBeUndefined();
    expect(plain.text).toBe(JSON.stringify(JSON.parse(plain.text)));
    const failed = await post(home, 'status', { 'x-sentinel-indent': '2' });
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect(failed.headers['x-sentinel-indent']).toBeUndefined();
    expect(failed.text).toBe(JSON.stringify(JSON.parse(failed.text)));
  });
});
