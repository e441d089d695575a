// Zero-downtime deploys end to end: real HTTP servers in Node and Python behind Sentinel's proxy, a load
// generator running through 5 rolling reloads, a blue/green switch, a canary that is rolled back and a
// manual rollback — not one request may fail. Each phase's report is printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { alive, cleanupHome, cli, cliJson, ROOT, tempHome, waitFor } from '../helpers.js';
import { deployStatus, freePort, NODE_SERVER, PY_SERVER, startLoad, type DeployRow, type LoadReport } from './deploys-helpers.js';

const FAST = ['--min-healthy', '300ms', '--drain', '5s'];

describe.each([
  ['node', NODE_SERVER],
  ['python3', PY_SERVER],
])('deploys of a %s HTTP server under load', (lang, command) => {
  let home: string;
  let port: number;
  beforeAll(async () => {
    home = tempHome('sn-dp-');
    port = await freePort();
  });
  afterAll(async () => { await cleanupHome(home); });

  /** Runs one CLI deploy command while the load runs; answers the deploy and the load's report. */
  async function underLoad(args: string[]): Promise<{ deploy: DeployRow; load: LoadReport; code: number; stderr: string }> {
    const load = startLoad(port);
    await new Promise((r) => setTimeout(r, 300));
    const r = await cli(home, [...args, '--json'], { timeoutMs: 120_000 });
    await new Promise((r) => setTimeout(r, 300));
    const report = await load.stop();
    const body = JSON.parse(r.stdout) as { deploy?: DeployRow; error?: { details?: { deployId?: number } } };
    const deploy = body.deploy ?? (await deployStatus(home, 'web')).deploy!;
    console.log(`[${lang}] ${args.slice(0, 2).join(' ')} ${args.includes('--strategy') ? args[args.indexOf('--strategy') + 1] : ''}: deploy ${deploy.id} ${deploy.state}; ${report.ok} requests answered, ${report.failed} failed; served by versions ${JSON.stringify(report.versions)}${deploy.reason ? `; ${deploy.reason}` : ''}`);
    return { deploy, load: report, code: r.code, stderr: r.stderr };
  }

  it('creates the definition behind the proxy', async () => {
    const r = await cliJson<{ deploy: DeployRow }>(home, ['deploy', 'web', '--command', command, '--port', String(port), '-i', '2', '-e', 'VERSION=1', ...FAST]);
    expect(r.deploy.state).toBe('succeeded');
    const s = await deployStatus(home, 'web');
    expect(s.proxyPort).toBe(port);
    expect(s.instances.map((i) => [i.state, i.revision])).toEqual([['running', 1], ['running', 1]]);
    // each instance has a port of its own, none of them the public one
    expect(new Set(s.instances.map((i) => i.port)).size).toBe(2);
    expect(s.instances.every((i) => i.port !== port)).toBe(true);
  });

  it('goes through 5 rolling reloads without a failed request', async () => {
    const before = (await deployStatus(home, 'web')).instances.map((i) => i.pid);
    for (let n = 0; n < 5; n++) {
      // reloads alternate between a plain restart and a new version
      const args = n % 2 === 0 ? ['rollout', 'restart', 'web', ...FAST] : ['deploy', 'web', '-e', `VERSION=r${n}`, ...FAST];
      const { deploy, load } = await underLoad(args);
      expect(deploy.state).toBe('succeeded');
      expect(load.failures).toEqual([]);
      expect(load.failed).toBe(0);
      expect(load.ok).toBeGreaterThan(20);
    }
    const after = await deployStatus(home, 'web');
    expect(after.instances).toHaveLength(2);
    expect(after.instances.every((i) => i.state === 'running' && !before.includes(i.pid))).toBe(true);
    for (const pid of before) expect(await waitFor(() => !alive(pid!), 5000)).toBe(true);
  });

  it('switches blue to green at once, without a failed request', async () => {
    const { deploy, load } = await underLoad(['deploy', 'web', '-e', 'VERSION=green', '--strategy', 'blue-green', ...FAST]);
    expect(deploy.state).toBe('succeeded');
    expect(deploy.steps[1]).toMatch(/switch all traffic/);
    expect(load.failed).toBe(0);
    expect(load.versions.green).toBeGreaterThan(0);
    const s = await deployStatus(home, 'web');
    expect(s.instances.map((i) => i.revision)).toEqual([deploy.toRevision, deploy.toRevision]);
  });

  it('rolls a crashing canary back by itself, without a failed request', async () => {
    const s0 = await deployStatus(home, 'web');
    const { deploy, load, code, stderr } = await underLoad(['deploy', 'web', '--command', NODE_SERVER, '-e', 'VERSION=canary', '-e', 'BEHAVIOUR=crash', '--strategy', 'canary', '--bake', '4s', '--canary-weight', '30', ...FAST]);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/was rolled back: step 2 \(watch the canary .*\) failed: canary web:\d+ (is|restarted)/);
    expect(deploy.state).toBe('rolled-back');
    expect(load.failed).toBe(0);
    // the canary did get traffic before it crashed
    expect(load.versions.canary).toBeGreaterThan(0);
    const s = await deployStatus(home, 'web');
    expect(s.revision).toBe(s0.revision);
    expect(s.instances.map((i) => [i.revision, i.state])).toEqual(s0.instances.map((i) => [s0.revision, 'running']));
  });

  it('rolls back to the revision before, on request, without a failed request', async () => {
    const s0 = await deployStatus(home, 'web');
    const { deploy, load } = await underLoad(['rollback', 'web', ...FAST]);
    expect(deploy.state).toBe('succeeded');
    expect(deploy.toRevision).toBeLessThan(s0.revision!);
    expect(load.failed).toBe(0);
    expect(Object.keys(load.versions)).toContain('r3');
    const h = await cliJson<{ revision: number; deploys: DeployRow[] }>(home, ['deploy', 'history', 'web']);
    expect(h.revision).toBe(deploy.toRevision);
    expect(h.deploys[0].id).toBe(deploy.id);
  });
});

describe('deploys of a definition on a shared socket (no proxy)', () => {
  let home: string;
  let port: number;
  beforeAll(async () => {
    home = tempHome('sn-dps-');
    port = await freePort();
  });
  afterAll(async () => { await cleanupHome(home); });

  it('rolls new revisions onto the same socket under load without a failed request', async () => {
    const server = path.join(ROOT, 'examples/shared-socket/server.mjs');
    const r = await cli(home, ['run', '--name', 'ss', '--port', String(port), '--port-mode', 'shared', '-i', '2', '--', 'node', server]);
    expect(r.code, r.stderr).toBe(0);
    for (const args of [['rollout', 'restart', 'ss'], ['deploy', 'ss', '-e', 'FLAVOUR=b', '--strategy', 'blue-green'], ['deploy', 'ss', '-e', 'FLAVOUR=c', '--strategy', 'canary', '--bake', '1s']]) {
      const load = startLoad(port);
      await new Promise((res) => setTimeout(res, 300));
      const d = await cli(home, [...args, ...FAST]);
      await new Promise((res) => setTimeout(res, 300));
      const report = await load.stop();
      console.log(`[shared socket] ${args.join(' ')}: ${report.ok} requests answered, ${report.failed} failed`);
      expect(d.code, d.stderr).toBe(0);
      expect(report.failures).toEqual([]);
      expect(report.ok).toBeGreaterThan(20);
    }
    const s = await deployStatus(home, 'ss');
    expect(s.proxyPort).toBeNull();
    expect(s.instances).toHaveLength(2);
    expect(s.instances.every((i) => i.revision === s.revision && i.state === 'running' && i.port === port)).toBe(true);
  });
});
