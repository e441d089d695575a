// An exported unit of a container or Nix process starts it the way Sentinel does (through the runtime's
// client, or inside nix-shell) and stops a container through its runtime; systemd-analyze verify accepts it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toProcessSpec } from '../../src/config/normalize.js';
import { processUnit } from '../../src/export/systemd.js';
import { loadProject } from '../config/helpers.js';

function specOf(proc: string) {
  const r = loadProject({ 'sentinel.yaml': `processes:\n  app:\n${proc.split('\n').map((l) => `    ${l}`).join('\n')}\n` });
  expect(r.messages).toEqual([]);
  return toProcessSpec(r.config!, 'app', { cwd: r.baseDir, baseEnv: { PATH: '/usr/bin:/bin' } });
}

const hasAnalyze = spawnSync('sh', ['-c', 'command -v systemd-analyze']).status === 0;

function verify(unit: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'snu-'));
  try {
    const file = path.join(dir, 'sentinel-app.service');
    writeFileSync(file, unit);
    const r = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('exported units of container and Nix processes', () => {
  it('a container: the runtime client in the foreground, stop and removal through the runtime', () => {
    const unit = processUnit(specOf('image: localhost/app:1\nports: ["8080:80"]\nenv: {MODE: prod}\nstop_timeout: 7s\ncommand: ["httpd", "-f"]'));
    expect(unit).toMatch(/^ExecStart=\S*podman run --rm --init --name sentinel-app .*--env MODE --publish 8080:80 --replace localhost\/app:1 httpd -f$/m);
    expect(unit).toMatch(/^ExecStop=\S*podman stop --ignore --time 7 sentinel-app$/m);
    expect(unit).toMatch(/^ExecStopPost=-\S*podman rm --force --ignore --time 0 sentinel-app$/m);
    expect(unit).toContain('Environment="MODE=prod"');
    if (hasAnalyze) expect(verify(unit)).toBe('');
  });

  it('a Nix process: its command inside nix-shell', () => {
    const unit = processUnit(specOf('nix: {packages: [redis]}\ncommand: ["redis-server", "--port", "6380"]'));
    expect(unit).toMatch(/^ExecStart=\S*nix-shell -p redis --run "exec 'redis-server' '--port' '6380'"$/m);
  });
});
