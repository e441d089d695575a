// The daemon starts from the bundle npm run build makes, else from tsc's output; the build makes the bundle.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { daemonEntryIn } from '../../src/daemon/home.js';
import { ROOT } from '../helpers.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('daemonEntryIn', () => {
  it('answers dist/daemon-bundle/main.js when it exists, else dist/daemon/main.js', () => {
    const dist = mkdtempSync(path.join(os.tmpdir(), 'sn-dist-'));
    dirs.push(dist);
    expect(daemonEntryIn(dist)).toBe(path.join(dist, 'daemon', 'main.js'));
    mkdirSync(path.join(dist, 'daemon-bundle'));
    writeFileSync(path.join(dist, 'daemon-bundle', 'main.js'), '');
    expect(daemonEntryIn(dist)).toBe(path.join(dist, 'daemon-bundle', 'main.js'));
  });

  it('finds the bundle in this build, two levels under the package root like every tsc output', () => {
    expect(daemonEntryIn(path.join(ROOT, 'dist'))).toBe(path.join(ROOT, 'dist', 'daemon-bundle', 'main.js'));
  });
});
