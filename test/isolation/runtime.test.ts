// The runtime files without a runtime: the argv each client gets, and how their output is read. The
// e2e tests (test/e2e/containers.test.ts) run the same code against real Podman.
import { describe, expect, it } from 'vitest';
import { parseHumanBytes } from '../../src/isolation/runtime/args.js';
import { RUNTIMES, runtimeBinary, type RunRequest } from '../../src/isolation/runtime/index.js';
import { ContainerManager } from '../../src/isolation/container.js';
import { nixChanges } from '../../src/isolation/nix.js';

const REQ: RunRequest = {
  name: 'sentinel-abcd1234-web-0', image: 'localhost/app:1', argv: ['httpd', '-f'], envKeys: ['MODE', 'SENTINEL_INSTANCE'],
  ports: ['127.0.0.1:8080:80'], volumes: ['/srv/data:/data:ro'], user: '1000', labels: { 'sentinel.home': 'abcd1234', 'sentinel.run': 'r1' },
  stopSignal: 'SIGINT', stopTimeoutSec: 7,
};

describe('container runtimes', () => {
  it('podman runs attached, removed at the end, replacing a leftover of the same name; values of variables never on the command line', () => {
    const { command, args } = RUNTIMES.podman.run(REQ, '/usr/bin/podman');
    expect(command).toBe('/usr/bin/podman');
    expect(args).toEqual([
      'run', '--rm', '--init', '--name', 'sentinel-abcd1234-web-0', '--stop-signal', 'SIGINT', '--stop-timeout', '7', '--log-driver', 'none',
      '--label', 'sentinel.home=abcd1234', '--label', 'sentinel.run=r1', '--env', 'MODE', '--env', 'SENTINEL_INSTANCE',
      '--publish', '127.0.0.1:8080:80', '--volume', '/srv/data:/data:ro', '--user', '1000', '--replace', 'localhost/app:1', 'httpd', '-f',
    ]);
    expect(args).not.toContain('-d');
  });

  it('docker removes a leftover first, in the same child, then execs its client', () => {
    const { command, args } = RUNTIMES.docker.run({ ...REQ, argv: [] }, '/usr/bin/docker');
    expect(command).toBe('/bin/sh');
    expect(args[0]).toBe('-c');
    expect(args.slice(2, 4)).toEqual(['/usr/bin/docker', 'sentinel-abcd1234-web-0']);
    expect(args.at(-1)).toBe('localhost/app:1');
    expect(args).not.toContain('--replace');
  });

  it('stop, remove and exec argv', () => {
    expect(RUNTIMES.podman.stop('c', 10)).toEqual(['stop', '--ignore', '--time', '10', 'c']);
    expect(RUNTIMES.podman.remove(['a', 'b'])).toEqual(['rm', '--force', '--ignore', '--time', '0', 'a', 'b']);
    expect(RUNTIMES.docker.stop('c', 3)).toEqual(['stop', '--time', '3', 'c']);
    expect(RUNTIMES.docker.exec('c', ['/bin/sh', '-c', 'true'])).toEqual(['exec', 'c', '/bin/sh', '-c', 'true']);
  });

  it('reads podman ps and stats output', () => {
    const ps = JSON.stringify([{ Id: 'abc', Names: ['sentinel-x-web-0'], Labels: { 'sentinel.home': 'x', 'sentinel.run': 'r' } }]);
    expect(RUNTIMES.podman.parseList(ps)).toEqual([{ id: 'abc', name: 'sentinel-x-web-0', labels: { 'sentinel.home': 'x', 'sentinel.run': 'r' } }]);
    expect(RUNTIMES.podman.parseList('')).toEqual([]);
    const stats = `${JSON.stringify({ Name: 'sentinel-x-web-0', CPU: 12.345, MemUsage: 598016, PIDs: 2 })}\nWARN something\n`;
    expect(RUNTIMES.podman.parseStats(stats).get('sentinel-x-web-0')).toEqual({ cpuPercent: 12.3, memoryBytes: 598016, pids: 2 });
  });

  it('reads docker ps and stats output (labels as text, sizes in human units)', () => {
    const ps = JSON.stringify({ ID: 'f00', Names: 'sentinel-x-db-0', Labels: 'sentinel.home=x,sentinel.run=r2' });
    expect(RUNTIMES.docker.parseList(ps)).toEqual([{ id: 'f00', name: 'sentinel-x-db-0', labels: { 'sentinel.home': 'x', 'sentinel.run': 'r2' } }]);
    const stats = JSON.stringify({ Name: 'sentinel-x-db-0', CPUPerc: '0.52%', MemUsage: '1.5MiB / 1.9GiB', PIDs: '4' });
    expect(RUNTIMES.docker.parseStats(stats).get('sentinel-x-db-0')).toEqual({ cpuPercent: 0.52, memoryBytes: 1572864, pids: 4 });
  });

  it('parses the sizes runtimes print', () => {
    expect(parseHumanBytes('802.8kB')).toBe(802800);
    expect(parseHumanBytes('1.5MiB')).toBe(1572864);
    expect(parseHumanBytes('12B')).toBe(12);
    expect(parseHumanBytes('2GB')).toBe(2_000_000_000);
    expect(parseHumanBytes('lots')).toBeNull();
  });

  it('a missing client is a clear error naming how to install it and the other runtime', () => {
    expect(() => runtimeBinary(RUNTIMES.podman, '/nonexistent')).toThrow(/the container runtime "podman" was not found in PATH; install it .*, or set runtime: docker/);
    expect(() => runtimeBinary(RUNTIMES.docker, '/nonexistent')).toThrow(/"docker" was not found in PATH; install Docker Engine/);
  });

  it('names containers by home and instance: two homes never share one', () => {
    const a = new ContainerManager('/tmp/home-a');
    const b = new ContainerManager('/tmp/home-b');
    expect(a.nameOf('web', 2)).toMatch(/^sentinel-[0-9a-f]{8}-web-2$/);
    expect(a.nameOf('web', 2)).not.toBe(b.nameOf('web', 2));
    expect(new ContainerManager('/tmp/home-a/').nameOf('web', 0)).toBe(a.nameOf('web', 0));
  });
});

describe('Nix environment changes', () => {
  it('keeps what the shell added or changed, never its session\'s temporary directories or per-run markers', () => {
    const input = { PATH: '/usr/bin', HOME: '/root', _SENTINEL_RUN_ID: 'a' };
    const inside = {
      PATH: '/nix/store/x-python/bin:/usr/bin', HOME: '/root', GREETING: 'hi', NIX_BUILD_TOP: '/tmp/nix-shell-1-0', TMPDIR: '/tmp/nix-shell-1-0',
      out: '/nix/store/y-env', SHLVL: '2', _SENTINEL_RUN_ID: 'a', builder_tmp: '/tmp/nix-shell-1-0/x',
    };
    expect(nixChanges(inside, input)).toEqual({ PATH: '/nix/store/x-python/bin:/usr/bin', GREETING: 'hi', out: '/nix/store/y-env' });
  });
});
