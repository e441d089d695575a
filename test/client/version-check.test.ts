// The client learns the daemon's version from the header of its first answer (no request of its own), and
// asks daemon.status only when a daemon older than that header answers. A real HTTP server on a Unix socket
// stands in for the daemon: what is tested is the client's side of the exchange.
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Client } from '../../src/client/client.js';
import { homePaths } from '../../src/daemon/home.js';

const own = (JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { version: string }).version;
let dir = '';
let server: http.Server | null = null;

afterEach(async () => {
  await new Promise((r) => (server ? server.close(r) : r(null)));
  server = null;
  rmSync(dir, { recursive: true, force: true });
});

async function fakeDaemon(header: string | null, statusVersion: string): Promise<{ client: Client; seen: string[]; reports: string[] }> {
  dir = mkdtempSync(path.join(tmpdir(), 'sentinel-version-'));
  const seen: string[] = [];
  server = http.createServer((req, res) => {
    seen.push(req.url ?? '');
    if (header !== null) res.setHeader('x-sentinel-version', header);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === '/v1/ops/daemon.status' ? { version: statusVersion } : { processes: [] }));
  });
  const paths = homePaths(dir);
  await new Promise<void>((r) => server!.listen(paths.socket, r));
  const reports: string[] = [];
  const client = new Client({ paths, autostart: false, onVersionMismatch: (theirs, mine) => reports.push(`${theirs} vs ${mine}`) });
  return { client, seen, reports };
}

describe('the version check', () => {
  it('reads the header of the first answer and sends nothing more', async () => {
    const { client, seen, reports } = await fakeDaemon('9.9.9', 'unused');
    await client.call('processes.list' as never, {} as never);
    await client.call('processes.list' as never, {} as never);
    expect(seen).toEqual(['/v1/ops/processes.list', '/v1/ops/processes.list']);
    expect(reports).toEqual([`9.9.9 vs ${own}`]);
  });

  it('says nothing when the versions match', async () => {
    const { client, seen, reports } = await fakeDaemon(own, 'unused');
    await client.call('processes.list' as never, {} as never);
    expect(seen).toEqual(['/v1/ops/processes.list']);
    expect(reports).toEqual([]);
  });

  it('asks daemon.status once when the daemon sends no header (one older than it)', async () => {
    const { client, seen, reports } = await fakeDaemon(null, '0.0.1-old');
    await client.call('processes.list' as never, {} as never);
    await client.call('processes.list' as never, {} as never);
    expect(seen).toEqual(['/v1/ops/processes.list', '/v1/ops/daemon.status', '/v1/ops/processes.list']);
    expect(reports).toEqual([`0.0.1-old vs ${own}`]);
  });
});
