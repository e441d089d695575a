// Deploys that must not happen, and deploys interrupted: bad input is refused with a clear message and
// no side effect; a new revision that never gets ready is rolled back; a daemon SIGKILLed at each step of
// a deploy rolls it back cleanly when it starts again.
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, cliJson, readPid, tempHome, waitFor } from '../helpers.js';
import { deployStatus, freePort, NODE_SERVER, startLoad, type DeployRow } from './deploys-helpers.js';

const FAST = ['--min-healthy', '300ms', '--drain', '2s'];

function get(port: number): Promise<{ status: number; version: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, version: (JSON.parse(body) as { version: string }).version }));
    }).on('error', reject);
  });
}

async function history(home: string, name: string): Promise<{ revisions: Array<{ revision: number }>; deploys: DeployRow[] }> {
  return cliJson(home, ['deploy', 'history', name]);
}

describe('deploy: bad input', () => {
  let home: string;
  let port: number;
  beforeAll(async () => {
    home = tempHome('sn-dpf-');
    port = await freePort();
    const r = await cli(home, ['deploy', 'web', '--command', NODE_SERVER, '--port', String(port), '-i', '2', '-e', 'VERSION=1', ...FAST]);
    expect(r.code).toBe(0);
  });
  afterAll(async () => { await cleanupHome(home); });

  it('refuses a second deploy while one runs, naming the first', async () => {
    const first = await cliJson<{ deploy: DeployRow }>(home, ['deploy', 'web', '-e', 'VERSION=2', '--min-healthy', '3s', '--no-wait']);
    expect(first.deploy.state).toBe('running');
    const before = await history(home, 'web');
    const second = await cli(home, ['deploy', 'web', '-e', 'VERSION=3']);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain(`deploy ${first.deploy.id} of "web" is still running`);
    expect(second.stderr).toContain('sentinel deploy status web');
    const json = await cli(home, ['rollback', 'web', '--json']);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'DEPLOY_IN_PROGRESS', details: { deployId: first.deploy.id } });
    // nothing was recorded for the refused ones
    expect((await history(home, 'web')).revisions).toHaveLength(before.revisions.length);
    expect(await waitFor(async () => (await deployStatus(home, 'web')).deploy?.state === 'succeeded', 30_000, 200)).toBe(true);
    expect((await get(port)).version).toBe('2');
  });

  it('refuses a rollback to a revision that does not exist, and changes nothing', async () => {
    const before = await deployStatus(home, 'web');
    const r = await cli(home, ['rollback', 'web', '--to', '99']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/"web" has no revision 99; its revisions are 1, 2 \("sentinel deploy history web"\)/);
    const after = await deployStatus(home, 'web');
    expect(after.instances.map((i) => i.pid)).toEqual(before.instances.map((i) => i.pid));
    expect(after.deploy?.id).toBe(before.deploy?.id);
    const same = await cli(home, ['rollback', 'web', '--to', String(before.revision)]);
    expect(same.code).not.toBe(0);
    expect(same.stderr).toContain(`already runs revision ${before.revision}`);
  });

  it('refuses unknown names, impossible plans and bad values before doing anything', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['deploy', 'nope'], /no process named "nope" to deploy; to create it, give its command/],
      [['deploy', 'web', '--max-surge', '0', '--max-unavailable', '0'], /both 0: nothing could ever be replaced/],
      [['deploy', 'web', '--strategy', 'sideways'], /expected rolling, blue-green or canary/],
      [['deploy', 'web', '--strategy', 'canary', '--canary-weight', '100'], /must be above 0% and below 100%/],
      [['deploy', 'web', '--port', String(port + 1)], /served on port \d+; a deploy cannot move it/],
      [['rollback', 'ghost'], /no process named or numbered "ghost"/],
      [['deploy', 'status', 'ghost'], /no process named or numbered "ghost"/],
    ];
    const before = await history(home, 'web');
    for (const [args, message] of cases) {
      const r = await cli(home, args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect((await history(home, 'web')).revisions).toHaveLength(before.revisions.length);
    expect((await cli(home, ['list', '--json'])).stdout).not.toContain('"nope"');
  });

  it('refuses a public port that is taken, creating nothing', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await cli(home, ['deploy', 'api', '--command', NODE_SERVER, '--port', String(taken)]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`port ${taken} cannot be bound for "api"'s proxy (EADDRINUSE)`);
      expect(JSON.parse((await cli(home, ['list', '--json'])).stdout).processes.map((p: { name: string }) => p.name)).not.toContain('api');
      expect((await cli(home, ['deploy', 'history', 'api'])).code).not.toBe(0);
    } finally {
      blocker.close();
    }
  });

  it('a deleted definition frees its public port; the next deploy creates it afresh, its history kept', async () => {
    const other = await freePort();
    expect((await cli(home, ['deploy', 'tmp', '--command', NODE_SERVER, '--port', String(other), '-e', 'VERSION=a', ...FAST])).code).toBe(0);
    expect((await get(other)).version).toBe('a');
    expect((await cli(home, ['delete', 'tmp'])).code).toBe(0);
    // the port is free again: something else may bind it
    const probe = net.createServer();
    await new Promise<void>((r, j) => { probe.once('error', j); probe.listen(other, '127.0.0.1', () => r()); });
    await new Promise<void>((r) => probe.close(() => r()));
    expect((await cli(home, ['deploy', 'status', 'tmp'])).stderr).toContain('no process named or numbered "tmp"');
    expect((await cli(home, ['rollback', 'tmp'])).code).not.toBe(0);
    const again = await cli(home, ['deploy', 'tmp', '--command', NODE_SERVER, '--port', String(other), '-e', 'VERSION=b', ...FAST]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('revision none -> 2');
    expect((await get(other)).version).toBe('b');
    expect((await history(home, 'tmp')).revisions).toHaveLength(2);
    expect((await cli(home, ['delete', 'tmp'])).code).toBe(0);
  });

  it('shows the plan with --dry-run and changes nothing', async () => {
    const before = await deployStatus(home, 'web');
    const r = await cli(home, ['deploy', 'web', '-e', 'VERSION=9', '--strategy', 'blue-green', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Plan for web: revision ${before.revision} -> `);
    expect(r.stdout).toMatch(/1\. start 2 new instances \(no traffic yet\)[^\n]*\n\s+2\. switch all traffic to the new instances\n\s+3\. take 2 old instances out of traffic/);
    const after = await deployStatus(home, 'web');
    expect(after.instances.map((i) => i.pid)).toEqual(before.instances.map((i) => i.pid));
    expect((await history(home, 'web')).revisions.length).toBe(before.revision);
  });

  it('rolls back a revision that never gets ready, the old one serving throughout', async () => {
    const before = await deployStatus(home, 'web');
    const r = await cli(home, ['deploy', 'web', '-e', 'BEHAVIOUR=never-ready', '-e', 'VERSION=broken', '--startup-timeout', '2s', ...FAST]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/was rolled back: step 1 \(start 1 new instance[^)]*\) failed: .*nothing listened on port \d+ within 2/);
    const after = await deployStatus(home, 'web');
    expect(after.revision).toBe(before.revision);
    expect(after.instances.map((i) => i.pid)).toEqual(before.instances.map((i) => i.pid));
    expect((await get(port)).version).toBe('2');
    // the timeout belonged to that revision only
    const ok = await cli(home, ['rollout', 'restart', 'web', ...FAST]);
    expect(ok.code).toBe(0);
  });
});

describe('deploy: a canary answering errors', () => {
  let home: string;
  let port: number;
  beforeAll(async () => {
    home = tempHome('sn-dpe-');
    port = await freePort();
    expect((await cli(home, ['deploy', 'web', '--command', NODE_SERVER, '--port', String(port), '-i', '2', '-e', 'VERSION=good', ...FAST])).code).toBe(0);
  });
  afterAll(async () => { await cleanupHome(home); });

  it("is rolled back on its error rate, seen by the proxy, and the report says so", async () => {
    const load = startLoad(port, 2);
    const r = await cli(home, ['deploy', 'web', '-e', 'BEHAVIOUR=fail500', '--strategy', 'canary', '--canary-weight', '50', '--bake', '5s', '--max-error-rate', '5', ...FAST]);
    const report = await load.stop();
    expect(r.code).not.toBe(0);
    // connections still in flight when the rate is read count as not failed (yet): the rate is at most 100 %
    expect(r.stderr).toMatch(/failed: the canary's error rate is \d+\.\d% \(\d+ of \d+ connections\), above 5\.0%/);
    expect(Number(/error rate is (\d+\.\d)%/.exec(r.stderr)![1])).toBeGreaterThan(50);
    // the 500s the canary gave were seen by the clients too: that is what the rollback cut short
    expect(report.failures.every((f) => f === 'status 500')).toBe(true);
    expect(report.failed).toBeGreaterThanOrEqual(5);
    const s = await deployStatus(home, 'web');
    expect(s.deploy!.state).toBe('rolled-back');
    expect(s.instances.every((i) => i.revision === s.revision && i.state === 'running')).toBe(true);
    expect((await get(port)).version).toBe('good');
  });
});

describe('deploy: the daemon SIGKILLed at each step', () => {
  let home: string;
  let port: number;
  beforeAll(async () => {
    home = tempHome('sn-dpk-');
    port = await freePort();
    const r = await cli(home, ['deploy', 'web', '--command', NODE_SERVER, '--port', String(port), '-i', '2', '-e', 'VERSION=old', '-e', 'STOP_DELAY_MS=2500', ...FAST]);
    expect(r.code).toBe(0);
  });
  afterAll(async () => { await cleanupHome(home); });

  // a rolling deploy of 2 instances: add, retire, add, retire
  for (const step of [0, 1, 2, 3]) {
    it(`rolls back cleanly when killed during step ${step + 1} of 4`, async () => {
      const before = await deployStatus(home, 'web');
      const d = await cliJson<{ deploy: DeployRow }>(home, ['deploy', 'web', '-e', `VERSION=new${step}`, '--min-healthy', '1500ms', '--drain', '2s', '--no-wait']);
      // the step has begun: for an add, its new instance exists
      expect(await waitFor(async () => {
        const s = await deployStatus(home, 'web');
        return s.deploy?.state === 'running' && s.deploy.step === step && s.instances.some((i) => i.revision === d.deploy.toRevision && i.pid !== null);
      }, 30_000, 50)).toBe(true);
      const newPids = (await deployStatus(home, 'web')).instances.filter((i) => i.revision === d.deploy.toRevision).map((i) => i.pid!);
      const daemonPid = readPid(path.join(home, 'daemon.pid'))!;
      process.kill(daemonPid, 'SIGKILL');
      expect(await waitFor(() => !alive(daemonPid), 5000)).toBe(true);
      // any command starts the daemon again; it finds the deploy unfinished and rolls it back
      expect(await waitFor(async () => (await deployStatus(home, 'web')).deploy?.state === 'rolled-back', 30_000, 200)).toBe(true);
      const after = await deployStatus(home, 'web');
      if (!after.instances.every((i) => i.state === 'running')) console.log((await cli(home, ['events', '--limit', '60'])).stdout);
      expect(after.deploy!.id).toBe(d.deploy.id);
      expect(after.deploy!.reason).toContain(`the daemon stopped during step ${step + 1} of 4`);
      expect(after.revision).toBe(before.revision);
      expect(after.instances).toHaveLength(2);
      expect(after.instances.every((i) => i.revision === before.revision && i.state === 'running'), JSON.stringify(after.instances)).toBe(true);
      // the new revision's processes are gone, and the old one serves on the public port again
      for (const pid of newPids) expect(await waitFor(() => !alive(pid), 5000), `pid ${pid}`).toBe(true);
      expect(await waitFor(async () => (await get(port).catch(() => ({ version: '' }))).version === 'old', 10_000, 100)).toBe(true);
    }, 90_000);
  }
});
