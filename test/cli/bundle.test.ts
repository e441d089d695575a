// The CLI is started hundreds of times a day: its bundle must not carry what only the daemon needs.
// zod alone was 730 KB of a 1 MB bundle (pulled in by one constant), and compiling it was most of the
// CLI's start-up beyond Node's own. Needs `npm run build` (npm test runs it first).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const bundle = readFileSync(path.join(import.meta.dirname, '..', '..', 'dist', 'cli', 'bundle.cjs'), 'utf8');

describe('the CLI bundle', () => {
  it.each([
    ['zod', /\$ZodType|ZodError/],
    ['better-sqlite3', /better-sqlite3|better_sqlite3/],
    ['fastify', /fastify/i],
    ['prom-client', /prom-client|prom_client/],
    ['yaml', /node_modules\/yaml\//],
  ])('does not include %s', (_name, pattern) => {
    expect(pattern.test(bundle)).toBe(false);
  });

  it('has no import() left: bin/sentinel.js runs it as CommonJS from V8\'s code cache, where import() has no loader', () => {
    expect(bundle.match(/[^\w$.]import\(/g)).toBeNull();
  });

  it('loads node:child_process only when a function of it is used, and knows every function the CLI uses', async () => {
    // the stand-in (src/cli/lazy-child-process.cjs) has a getter per name; a name it lacks would be undefined
    expect(bundle).not.toMatch(/require\("node:child_process"\)/);
    const used = new Set([...bundle.matchAll(/(?:import_node_child_process\d*|childProcess)\.(\w+)/g)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(0);
    const { createRequire } = await import('node:module');
    const standIn = createRequire(import.meta.url)('../../src/cli/lazy-child-process.cjs') as Record<string, unknown>;
    for (const name of used) expect(typeof standIn[name], name).toBe('function');
  });

  it('has a fast bundle for `list` without commander, a fraction of the full one', () => {
    const fast = readFileSync(path.join(import.meta.dirname, '..', '..', 'dist', 'cli', 'fast.cjs'), 'utf8');
    expect(fast).not.toMatch(/node_modules\/commander/);
    expect(bundle).toMatch(/node_modules\/commander/);
    expect(fast.length).toBeLessThan(bundle.length / 4);
  });

  it('has a run bundle without commander for the plain forms of a run line', () => {
    const runFast = readFileSync(path.join(import.meta.dirname, '..', '..', 'dist', 'cli', 'run-fast.cjs'), 'utf8');
    expect(runFast).not.toMatch(/node_modules\/commander/);
    expect(runFast.length).toBeLessThan(bundle.length / 4);
  });

  it('stays small', () => {
    // a sum of the CLI's own code and commander; a daemon-side library pulled in by an import would break it
    expect(bundle.length).toBeLessThan(450 * 1024);
  });
});
