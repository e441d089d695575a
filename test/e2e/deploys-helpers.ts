// Shared by the deploy tests: a load generator (one new connection per request, as the recipe says) and
// small readers of `deploy status`.
import http from 'node:http';
import path from 'node:path';
import { cliJson, FIXTURES } from '../helpers.js';
import { freePort } from '../../src/cluster/deploy-proxy.js';

export { freePort };

export const NODE_SERVER = `node ${path.join(FIXTURES, 'deploy/server.mjs')}`;
export const PY_SERVER = `python3 ${path.join(FIXTURES, 'deploy/server.py')}`;

export interface LoadReport {
  ok: number;
  failed: number;
  /** Answers by the VERSION that served them. */
  versions: Record<string, number>;
  /** The first few failures, to say what went wrong. */
  failures: string[];
}

/** Keeps `workers` request loops going against a port until stop() is called. */
export function startLoad(port: number, workers = 4): { stop: () => Promise<LoadReport>; report: LoadReport } {
  const report: LoadReport = { ok: 0, failed: 0, versions: {}, failures: [] };
  let running = true;
  const fail = (why: string) => {
    report.failed += 1;
    if (report.failures.length < 10) report.failures.push(why);
  };
  const one = () => new Promise<void>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if (res.statusCode !== 200) fail(`status ${res.statusCode}`);
        else {
          // the deploy fixtures answer JSON with their VERSION; other servers plain text (counted as "text")
          let v: string | null = body.startsWith('{') ? null : 'text';
          try {
            v ??= String((JSON.parse(body) as { version: string }).version);
          } catch {
            v = null;
          }
          if (v === null || body === '') fail(`bad body ${JSON.stringify(body.slice(0, 80))}`);
          else {
            report.versions[v] = (report.versions[v] ?? 0) + 1;
            report.ok += 1;
          }
        }
        resolve();
      });
      res.on('error', (e) => { fail(`response: ${e.message}`); resolve(); });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => { fail(`request: ${e.message}`); resolve(); });
  });
  const loops = Array.from({ length: workers }, async () => {
    while (running) await one();
  });
  return {
    report,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return report;
    },
  };
}


export interface InstanceRow { name: string; instance: number; state: string; pid: number | null; revision: number; port: number | null; restarts: number; traffic: { weight: number } | null }
export interface DeployRow { id: number; state: string; step: number; steps: string[]; reason: string | null; fromRevision: number | null; toRevision: number; report: Record<string, unknown> }
export interface StatusAnswer { name: string; revision: number | null; proxyPort: number | null; deploy: DeployRow | null; instances: InstanceRow[] }

export function deployStatus(home: string, name: string): Promise<StatusAnswer> {
  return cliJson<StatusAnswer>(home, ['deploy', 'status', name]);
}
