// Containers on real Podman: a local image built from a busybox rootfs (no registry is reachable), run
// through the built CLI and a real daemon. Output reaches Sentinel's logs, ports are published, a stop
// leaves no container, crashes restart under the policy, a killed client or daemon leaves nothing
// behind, and an image-only compose service runs. Docker is tested only where a Docker engine answers.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, cliJson, readPid, tempHome, waitFor } from '../helpers.js';

const IMAGE = 'localhost/sentinel-e2e-busybox:1';
const APPLETS = ['sh', 'echo', 'cat', 'sleep', 'httpd', 'id', 'env', 'true', 'false', 'ls', 'test'];

interface View { id: number; name: string; pid: number | null; status: string; health: string | null; restarts: number; cpu: number | null; memory: number | null; lastExit: { exitCode: number | null; signal: string | null } | null }
interface Status { process: View; spec: { container: { runtime: string; image: string; name: string; ports: string[]; volumes: string[]; user: string | null } | null } }

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const podmanMissing = has('podman') ? null : 'podman is not installed (.ci/run installs it: apt-get install podman runc catatonit busybox-static)';

let home: string;
let scratch: string;
const touched = new Set<string>();

/** podman as the daemon runs it (the containers.conf the daemon wrote for this machine, if any). */
function podman(args: string[]): string {
  const conf = path.join(home, 'containers.conf');
  const env = { ...process.env, ...(readSafe(conf) !== null ? { CONTAINERS_CONF: conf } : {}) };
  return execFileSync('podman', args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] });
}

function readSafe(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** Every container (running or not) named exactly `name`. */
function containersNamed(name: string): string[] {
  touched.add(name);
  return podman(['ps', '--all', '--filter', `name=^${name}$`, '--format', '{{.Names}}']).split('\n').filter(Boolean);
}

/** An image from a busybox-static rootfs, with a default command (for the image-only compose service). */
function buildImage(): void {
  const root = path.join(scratch, 'rootfs');
  mkdirSync(path.join(root, 'bin'), { recursive: true });
  mkdirSync(path.join(root, 'www'), { recursive: true });
  mkdirSync(path.join(root, 'tmp'), { recursive: true });
  copyFileSync('/bin/busybox', path.join(root, 'bin/busybox'));
  chmodSync(path.join(root, 'bin/busybox'), 0o755);
  for (const a of APPLETS) symlinkSync('busybox', path.join(root, 'bin', a));
  writeFileSync(path.join(root, 'www/index.html'), 'from the image\n');
  const tar = path.join(scratch, 'rootfs.tar');
  execFileSync('tar', ['-C', root, '-cf', tar, '.']);
  execFileSync('podman', ['import', '--change', 'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]', '--change', 'ENV PATH=/bin', tar, IMAGE], { stdio: 'ignore' });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function get(port: number): Promise<string | null> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
    return await r.text();
  } catch {
    return null;
  }
}

const status = (ref: string) => cliJson<Status>(home, ['status', ref]);

describe.skipIf(podmanMissing !== null)(`containers on Podman${podmanMissing ? ` (skipped: ${podmanMissing})` : ''}`, () => {
  beforeAll(() => {
    home = tempHome('snc-');
    scratch = path.join(home, 'scratch');
    mkdirSync(scratch, { recursive: true });
    buildImage();
  }, 60_000);

  afterAll(async () => {
    await cleanupHome(home);
    // anything a failed test left, by exact name
    for (const name of touched) spawnSync('podman', ['rm', '--force', '--ignore', '--time', '0', name], { stdio: 'ignore' });
    spawnSync('podman', ['rmi', '--force', IMAGE], { stdio: 'ignore' });
  }, 60_000);

  it('runs a container: its output reaches sentinel logs, its port and volume work, only its own env goes in, usage comes from the runtime', async () => {
    const port = await freePort();
    const site = path.join(scratch, 'site');
    mkdirSync(site, { recursive: true });
    writeFileSync(path.join(site, 'index.html'), 'from the host\n');
    const r = await cli(home, [
      'run', '--name', 'web', '--image', IMAGE, '--publish', `127.0.0.1:${port}:8080`, '--volume', `${site}:/site:ro`,
      '--env', 'GREETING=hello', '--container-user', '1234', '--',
      'sh', '-c', 'echo "greeting=$GREETING user=$(id -u) leak=${LEAK_CHECK:-none}"; echo to-stderr >&2; exec httpd -f -p 8080 -h /site',
    ], { env: { LEAK_CHECK: 'host-value' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = await status('web');
    expect(s.process.status).toBe('running');
    const name = s.spec.container!.name;
    expect(name).toMatch(/^sentinel-[0-9a-f]{8}-web-0$/);
    expect(containersNamed(name)).toEqual([name]);
    expect(await waitFor(async () => (await get(port)) === 'from the host\n', 15_000)).toBe(true);
    const out = await cli(home, ['logs', 'web', '--stream', 'stdout']);
    expect(out.stdout).toContain('greeting=hello user=1234 leak=none');
    expect((await cli(home, ['logs', 'web', '--stream', 'stderr'])).stdout).toContain('to-stderr');
    // the client's own memory is tens of MB; the container's busybox httpd is far below that
    const usage = (await status('web')).process;
    expect(usage.memory).toBeGreaterThan(0);
    expect(usage.memory!).toBeLessThan(20 * 1024 * 1024);
  }, 60_000);

  it('stop goes through the runtime: the container is gone and the port closed', async () => {
    const s = await status('web');
    const name = s.spec.container!.name;
    const port = Number(s.spec.container!.ports[0].split(':')[1]);
    const r = await cli(home, ['stop', 'web']);
    expect(r.code).toBe(0);
    expect(containersNamed(name)).toEqual([]);
    expect(await get(port)).toBeNull();
    expect(alive(s.process.pid!)).toBe(false);
    // and it starts again under the same name
    expect((await cli(home, ['start', 'web'])).code).toBe(0);
    expect(await waitFor(async () => (await get(port)) === 'from the host\n', 15_000)).toBe(true);
    expect((await cli(home, ['stop', 'web'])).code).toBe(0);
    expect(containersNamed(name)).toEqual([]);
  }, 60_000);

  it('command checks run inside the container: a readiness wait_exec and a health exec see its files, not this machine\'s', async () => {
    const marker = '/tmp/sentinel-e2e-ready-inside';
    const r = await cli(home, [
      'run', '--name', 'checked', '--image', IMAGE, '--wait-exec', `test -e ${marker}`, '--startup-timeout', '30s',
      '--health-exec', 'test -e /www/index.html', '--health-interval', '1s', '--',
      'sh', '-c', `sleep 1; echo > ${marker}; exec sleep 600`,
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ready');
    expect(await waitFor(async () => (await status('checked')).process.health === 'healthy', 20_000, 250)).toBe(true);
    // neither path exists on this machine: the checks could only pass inside the container
    expect(readSafe(marker)).toBeNull();
    expect(readSafe('/www/index.html')).toBeNull();
    const name = (await status('checked')).spec.container!.name;
    expect((await cli(home, ['stop', 'checked'])).code).toBe(0);
    expect(containersNamed(name)).toEqual([]);
  }, 60_000);

  it('a container that crashes is restarted under its policy, each run a fresh container', async () => {
    const r = await cli(home, ['run', '--name', 'crashy', '--image', IMAGE, '--restart', 'on-failure', '--wait', '0', '--', 'sh', '-c', 'echo run-started; sleep 1; exit 3']);
    expect(r.code).toBe(0);
    expect(await waitFor(async () => (await status('crashy')).process.restarts >= 2, 30_000, 200)).toBe(true);
    const logs = (await cli(home, ['logs', 'crashy', '--stream', 'stdout'])).stdout;
    expect(logs.split('run-started').length - 1).toBeGreaterThanOrEqual(2);
    const name = (await status('crashy')).spec.container!.name;
    expect((await cli(home, ['stop', 'crashy'])).code).toBe(0);
    expect(containersNamed(name)).toEqual([]);
  }, 60_000);

  it('a client killed with SIGKILL does not leave its container running', async () => {
    expect((await cli(home, ['run', '--name', 'orphan', '--image', IMAGE, '--', 'sleep', '600'])).code).toBe(0);
    const s = await status('orphan');
    const name = s.spec.container!.name;
    expect(containersNamed(name)).toEqual([name]);
    process.kill(s.process.pid!, 'SIGKILL');
    expect(await waitFor(() => containersNamed(name).length === 0, 20_000, 250)).toBe(true);
    expect((await status('orphan')).process.status).toBe('exited');
  }, 60_000);

  it('after a daemon SIGKILL, the next daemon re-adopts a running container and still stops it through the runtime', async () => {
    expect((await cli(home, ['run', '--name', 'kept', '--image', IMAGE, '--', 'sleep', '600'])).code).toBe(0);
    const before = await status('kept');
    const name = before.spec.container!.name;
    const daemonPid = readPid(path.join(home, 'daemon.pid'))!;
    process.kill(daemonPid, 'SIGKILL');
    await waitFor(() => !alive(daemonPid));
    expect((await cli(home, ['daemon', 'start'])).code).toBe(0);
    const after = await status('kept');
    expect(after.process.status).toBe('running');
    expect(after.process.pid).toBe(before.process.pid);
    expect(containersNamed(name)).toEqual([name]);
    expect((await cli(home, ['stop', 'kept'])).code).toBe(0);
    expect(containersNamed(name)).toEqual([]);
  }, 90_000);

  it('after a daemon SIGKILL, a container whose client died too is removed by the next daemon', async () => {
    expect((await cli(home, ['run', '--name', 'stray', '--image', IMAGE, '--', 'sleep', '600'])).code).toBe(0);
    const s = await status('stray');
    const name = s.spec.container!.name;
    const daemonPid = readPid(path.join(home, 'daemon.pid'))!;
    process.kill(daemonPid, 'SIGKILL');
    process.kill(s.process.pid!, 'SIGKILL');
    await waitFor(() => !alive(daemonPid) && !alive(s.process.pid!));
    // nobody watches it now: the container runs on without its client
    expect(containersNamed(name)).toEqual([name]);
    expect((await cli(home, ['daemon', 'start'])).code).toBe(0);
    expect(await waitFor(() => containersNamed(name).length === 0, 20_000, 250)).toBe(true);
    expect((await status('stray')).process.status).toBe('exited');
  }, 90_000);

  it('an image-only compose service is imported as a container and runs its image\'s own command', async () => {
    const port = await freePort();
    const dir = path.join(scratch, 'compose');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'compose.yaml'), `services:\n  site:\n    image: ${IMAGE}\n    ports: ["127.0.0.1:${port}:8080"]\n    environment:\n      MODE: compose\n`);
    const imported = await cli(home, ['import', 'compose.yaml', '-o', 'sentinel.yaml'], { cwd: dir });
    expect(imported.code).toBe(0);
    expect(readFileSync(path.join(dir, 'sentinel.yaml'), 'utf8')).toContain(`image: ${IMAGE}`);
    const up = await cli(home, ['up', '-f', 'sentinel.yaml'], { cwd: dir });
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    expect(await waitFor(async () => (await get(port)) === 'from the image\n', 15_000)).toBe(true);
    const name = (await status('site')).spec.container!.name;
    expect(containersNamed(name)).toEqual([name]);
    expect((await cli(home, ['down', '-f', 'sentinel.yaml'], { cwd: dir })).code).toBe(0);
    expect(containersNamed(name)).toEqual([]);
  }, 90_000);

  it('refuses bad container settings with a clear error, creating nothing', async () => {
    const before = (await cliJson<{ processes: View[] }>(home, ['list'])).processes.length;
    const noHost = await cli(home, ['run', '--name', 'bad1', '--image', IMAGE, '--publish', '8080', '--', 'true']);
    expect(noHost.code).not.toBe(0);
    expect(noHost.stderr).toContain('--publish');
    expect(noHost.stderr).toContain('"8080:80"');
    const badRuntime = await cli(home, ['run', '--name', 'bad2', '--image', IMAGE, '--runtime', 'lxc', '--', 'true']);
    expect(badRuntime.code).not.toBe(0);
    expect(badRuntime.stderr).toContain('--runtime');
    const noImage = await cli(home, ['run', '--name', 'bad3', '--publish', '8080:80', '--', 'true']);
    expect(noImage.code).not.toBe(0);
    expect(noImage.stderr).toContain('only mean something for a container');
    const missingVolume = await cli(home, ['run', '--name', 'bad4', '--image', IMAGE, '--volume', `${path.join(scratch, 'nope')}:/data`, '--', 'true']);
    expect(missingVolume.code).not.toBe(0);
    expect(missingVolume.stderr).toContain('does not exist on this machine');
    const dir = path.join(scratch, 'badcfg');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'sentinel.yaml'), `processes:\n  c:\n    image: ${IMAGE}\n    user: nobody\n`);
    const cfg = await cli(home, ['up', '-f', 'sentinel.yaml'], { cwd: dir });
    expect(cfg.code).not.toBe(0);
    expect(cfg.stderr).toContain('container_user');
    expect((await cliJson<{ processes: View[] }>(home, ['list'])).processes.length).toBe(before);
  }, 60_000);

  it('a missing runtime is a clear error at start, naming how to install it', async () => {
    const bare = tempHome('snc-bare-');
    const bin = path.join(bare, 'bin');
    mkdirSync(bin);
    try {
      // a PATH without podman for the daemon this starts
      const r = await cli(bare, ['run', '--name', 'x', '--image', IMAGE, '--', 'true'], { env: { PATH: bin } });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('the container runtime "podman" was not found in PATH');
      expect(r.stderr).toContain('apt-get install podman');
      expect((await cliJson<{ processes: View[] }>(bare, ['list'], { env: { PATH: bin } })).processes).toEqual([]);
    } finally {
      await cleanupHome(bare);
    }
  }, 60_000);
});

const dockerEngine = has('docker') && spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
const dockerSkip = dockerEngine ? '' : ` (skipped: ${has('docker') ? 'the docker client is here but no Docker engine answers (docker info fails)' : 'docker is not installed'})`;

describe.skipIf(!dockerEngine)(`containers on Docker${dockerSkip}`, () => {
  let dhome: string;
  beforeAll(() => { dhome = tempHome('sncd-'); });
  afterAll(async () => { await cleanupHome(dhome); });

  it('runs a container through docker, logs reach sentinel logs, stop leaves none', async () => {
    const image = process.env.SENTINEL_TEST_DOCKER_IMAGE ?? 'busybox';
    const r = await cli(dhome, ['run', '--name', 'd', '--runtime', 'docker', '--image', image, '--', 'sh', '-c', 'echo docker-says-hi; sleep 600']);
    expect(r.code).toBe(0);
    const s = await cliJson<Status>(dhome, ['status', 'd']);
    const name = s.spec.container!.name;
    expect(await waitFor(async () => (await cli(dhome, ['logs', 'd'])).stdout.includes('docker-says-hi'), 20_000)).toBe(true);
    expect((await cli(dhome, ['stop', 'd'])).code).toBe(0);
    const left = execFileSync('docker', ['ps', '--all', '--filter', `name=^${name}$`, '--format', '{{.Names}}'], { encoding: 'utf8' });
    expect(left.trim()).toBe('');
  }, 120_000);
});
