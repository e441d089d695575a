// `watch:` in a config file: each form normalized into the spec's watch section, each bad value refused
// with where it is and what to write instead.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { toProcessSpec } from '../../src/config/normalize.js';
import { loadProject } from '../config/helpers.js';

function load(watch: unknown, files: Record<string, string> = {}) {
  return loadProject({ 'sentinel.yaml': stringify({ processes: { web: { command: 'node app.js', watch } } }), 'src/app.js': '', 'lib/x.js': '', ...files });
}

function specWatch(watch: unknown, files: Record<string, string> = {}) {
  const r = load(watch, files);
  expect(r.messages).toEqual([]);
  return { watch: toProcessSpec(r.config!, 'web', { cwd: r.baseDir, baseEnv: {} }).watch, dir: r.baseDir };
}

describe('watch in the config file', () => {
  it('true watches the cwd with the default delay; false watches nothing', () => {
    const { watch, dir } = specWatch(true);
    expect(watch).toEqual({ paths: [dir], ignore: [], delayMs: 500 });
    expect(specWatch(false).watch).toBeNull();
  });

  it('a path, a list (comma-separated too), or a map; paths start from the cwd', () => {
    let r = specWatch('src');
    expect(r.watch?.paths).toEqual([`${r.dir}/src`]);
    r = specWatch(['src', 'lib,src/app.js']);
    expect(r.watch?.paths).toEqual([`${r.dir}/src`, `${r.dir}/lib`, `${r.dir}/src/app.js`]);
    r = specWatch({ paths: 'src', ignore: ['*.log', '!keep.log'], delay: '2s' });
    expect(r.watch).toEqual({ paths: [`${r.dir}/src`], ignore: ['*.log', '!keep.log'], delayMs: 2000 });
    expect(specWatch({ ignore: 'tmp/' }).watch?.ignore).toEqual(['tmp/']);
  });

  it('refuses bad values: a negative delay, a bad glob, a number, an unknown key', () => {
    expect(load({ delay: '-1s' }).messages.join('\n')).toMatch(/processes\.web\.watch\.delay.*expected a duration like "5s", got "-1s"/);
    expect(load({ ignore: ['[abc'] }).messages.join('\n')).toMatch(/processes\.web\.watch\.ignore.*ignore pattern "\[abc": a "\[" is not closed by "\]"/);
    expect(load(5).messages.join('\n')).toMatch(/processes\.web\.watch.*expected true, a path, a list of paths or a map with "paths", "ignore" and "delay", got 5/);
    expect(load({ path: 'src' }).messages.join('\n')).toMatch(/path/);
    expect(load([]).messages.join('\n')).toMatch(/processes\.web\.watch/);
  });

  it('a watched path that does not exist is an error naming the key and the path', () => {
    const r = load(['src', 'nope']);
    expect(r.messages).toEqual([]);
    expect(() => toProcessSpec(r.config!, 'web', { cwd: r.baseDir, baseEnv: {} }))
      .toThrow(`processes.web.watch: ${r.baseDir}/nope does not exist; create it or watch another path (relative paths start from the process's cwd, ${r.baseDir})`);
  });
});

describe('stored specs', () => {
  it('a spec stored before --watch existed (no watch key) upgrades to watch: null; a stored watch is kept', async () => {
    const { upgradeSpec } = await import('../../src/core/spec-upgrade.js');
    const { watch } = specWatch(true);
    const r = load(true);
    const spec = toProcessSpec(r.config!, 'web', { cwd: r.baseDir, baseEnv: {} });
    const { watch: _dropped, ...old } = spec;
    expect(upgradeSpec(old as unknown as Record<string, unknown>).watch).toBeNull();
    expect(upgradeSpec({ ...old, watch } as unknown as Record<string, unknown>).watch).toEqual(watch);
  });
});
