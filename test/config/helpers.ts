// Temp project directories for config tests: write files, load, clean up.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { loadConfig, type LoadOptions, type LoadResult } from '../../src/config/load.js';

const dirs: string[] = [];

afterEach(() => {
  while (dirs.length > 0) rmSync(dirs.pop() as string, { recursive: true, force: true });
});

export function makeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-config-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

/** Loads `main` (default sentinel.yaml) of a project made of `files`, with an empty variable map by default. */
export function loadProject(files: Record<string, string>, options: LoadOptions = {}, main = 'sentinel.yaml'): LoadResult {
  const dir = makeProject(files);
  return loadConfig(join(dir, main), { env: {}, ...options });
}
