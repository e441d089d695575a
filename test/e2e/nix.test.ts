// Nix environments through the built CLI and a real daemon. nixpkgs cannot be fetched here, so the
// environment is a self-contained expression (a bare `derivation` whose attributes become variables),
// which nix-shell evaluates offline; `packages` (nix-shell -p) needs nixpkgs, and its failure must be
// a clear crash report. The first start evaluates through nix-shell; a restart runs from the cache.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, tempHome, waitFor } from '../helpers.js';

const nixMissing = spawnSync('sh', ['-c', 'command -v nix-shell']).status === 0 ? null : 'nix-shell is not installed (.ci/run installs it: apt-get install nix-bin)';

interface View { name: string; pid: number | null; status: string }

const shellNix = (greeting: string) => `derivation {
  name = "sentinel-e2e";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  GREETING = "${greeting}";
}
`;

let home: string;
let dir: string;

const stdout = async (name: string) => (await cli(home, ['logs', name, '--stream', 'stdout'])).stdout;

describe.skipIf(nixMissing !== null)(`Nix environments${nixMissing ? ` (skipped: ${nixMissing})` : ''}`, () => {
  beforeAll(() => {
    home = tempHome('snx-');
    dir = path.join(home, 'project');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'shell.nix'), shellNix('hello from nix'));
  });
  afterAll(async () => { await cleanupHome(home); });

  it('runs a process inside the environment of a shell.nix, evaluated once: a restart starts it directly from the cache', async () => {
    const script = 'echo "greeting=$GREETING via=${NIX_BUILD_TOP:+nix-shell}${NIX_BUILD_TOP:-cache}"; sleep 600';
    const r = await cli(home, ['run', '--name', 'nixed', '--nix-file', 'shell.nix', '--', 'sh', '-c', script], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await waitFor(async () => (await stdout('nixed')).includes('greeting=hello from nix via=nix-shell'), 30_000)).toBe(true);
    // the environment was saved by the shell before it ran the command
    expect(readdirSync(path.join(home, 'nix')).some((f) => f.endsWith('.env'))).toBe(true);
    expect((await cli(home, ['restart', 'nixed'])).code).toBe(0);
    expect(await waitFor(async () => (await stdout('nixed')).includes('greeting=hello from nix via=cache'), 15_000)).toBe(true);
    expect((await cliJson<{ process: View }>(home, ['status', 'nixed'])).process.status).toBe('running');
  }, 90_000);

  it('evaluates again when the expression changes', async () => {
    writeFileSync(path.join(dir, 'shell.nix'), shellNix('changed'));
    expect((await cli(home, ['restart', 'nixed'])).code).toBe(0);
    expect(await waitFor(async () => (await stdout('nixed')).includes('greeting=changed via=nix-shell'), 30_000)).toBe(true);
    expect((await cli(home, ['stop', 'nixed'])).code).toBe(0);
  }, 90_000);

  it('packages that cannot be fetched (no nixpkgs offline) are a crash report with nix\'s own reason', async () => {
    const r = await cli(home, ['run', '--name', 'pkgs', '--nix', 'hello', '--', 'hello'], { cwd: dir });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('process "pkgs" crashed immediately');
    expect(r.stderr).toContain("file 'nixpkgs' was not found in the Nix search path");
  }, 90_000);

  it('refuses bad Nix settings with a clear error, creating nothing', async () => {
    const both = await cli(home, ['run', '--name', 'bad1', '--nix', 'hello', '--nix-file', 'shell.nix', '--', 'true'], { cwd: dir });
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain('--nix and --nix-file');
    const missing = await cli(home, ['run', '--name', 'bad2', '--nix-file', 'nope.nix', '--', 'true'], { cwd: dir });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`nix.file ${path.join(dir, 'nope.nix')} does not exist`);
    writeFileSync(path.join(dir, 'sentinel.yaml'), 'processes:\n  both:\n    command: "true"\n    image: localhost/x\n    nix: {file: shell.nix}\n');
    const cfg = await cli(home, ['up', '-f', 'sentinel.yaml'], { cwd: dir });
    expect(cfg.code).not.toBe(0);
    expect(cfg.stderr).toContain('either in a container (image:) or in a Nix environment (nix:)');
    const names = (await cliJson<{ processes: View[] }>(home, ['list'])).processes.map((p) => p.name);
    expect(names.filter((n) => n.startsWith('bad') || n === 'both')).toEqual([]);
  }, 60_000);
});

describe('Nix missing', () => {
  it('is a clear error at start when nix-shell is not in the daemon\'s PATH', async () => {
    const bare = tempHome('snx-bare-');
    const bin = path.join(bare, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bare, 'shell.nix'), shellNix('x'));
    try {
      const r = await cli(bare, ['run', '--name', 'n', '--nix-file', 'shell.nix', '--', 'true'], { env: { PATH: bin }, cwd: bare });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('nix-shell was not found in PATH');
      expect(r.stderr).toContain('apt-get install nix-bin');
      expect((await cliJson<{ processes: View[] }>(bare, ['list'], { env: { PATH: bin } })).processes).toEqual([]);
    } finally {
      await cleanupHome(bare);
    }
  }, 60_000);
});
