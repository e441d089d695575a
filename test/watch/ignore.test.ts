// Which paths a watch ignores: globs compiled gitignore-style, the defaults, a root's .gitignore, "!" and
// patterns that cannot match refused with a message saying how to write them.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileGlob } from '../../src/watch/glob.js';
import { createIgnoreMatcher } from '../../src/watch/ignore.js';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

function root(gitignore?: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'sn-ignore-'));
  dirs.push(d);
  if (gitignore !== undefined) writeFileSync(path.join(d, '.gitignore'), gitignore);
  return d;
}

const matches = (glob: string, rel: string) => compileGlob(glob).regex.test(rel);

describe('compileGlob', () => {
  it('a pattern without "/" matches a name at any depth', () => {
    expect(matches('*.log', 'app.log')).toBe(true);
    expect(matches('*.log', 'a/b/app.log')).toBe(true);
    expect(matches('*.log', 'app.log.txt')).toBe(false);
    expect(matches('tmp', 'src/tmp')).toBe(true);
    expect(matches('tmp', 'src/tmpx')).toBe(false);
  });

  it('a pattern with "/" is anchored at the root; "**" spans directories', () => {
    expect(matches('logs/*.txt', 'logs/a.txt')).toBe(true);
    expect(matches('logs/*.txt', 'x/logs/a.txt')).toBe(false);
    expect(matches('/build', 'build')).toBe(true);
    expect(matches('/build', 'src/build')).toBe(false);
    expect(matches('logs/**', 'logs/a/b/c')).toBe(true);
    expect(matches('**/cache', 'a/b/cache')).toBe(true);
    expect(matches('**/cache', 'cache')).toBe(true);
    expect(matches('src/**/*.test.js', 'src/a/b/x.test.js')).toBe(true);
    expect(matches('src/**/*.test.js', 'src/x.test.js')).toBe(true);
    expect(matches('./dist', 'dist')).toBe(true);
  });

  it('? [] {} and escapes', () => {
    expect(matches('file?.js', 'file1.js')).toBe(true);
    expect(matches('file?.js', 'file12.js')).toBe(false);
    expect(matches('[ab].js', 'a.js')).toBe(true);
    expect(matches('[!ab].js', 'a.js')).toBe(false);
    expect(matches('[!ab].js', 'c.js')).toBe(true);
    expect(matches('*.{js,ts}', 'x.ts')).toBe(true);
    expect(matches('*.{js,ts}', 'x.md')).toBe(false);
    expect(matches('a+b(1).js', 'a+b(1).js')).toBe(true);
    expect(matches('\\*.js', '*.js')).toBe(true);
    expect(matches('\\*.js', 'x.js')).toBe(false);
  });

  it('refuses globs that cannot be what was meant, saying how to write one', () => {
    for (const bad of ['', '  ', '!', '/', '[abc', '*.{js,ts', 'a**b', '**x/y']) {
      expect(() => compileGlob(bad), bad).toThrow(/ignore pattern .*; write a glob like "\*\.log"/);
    }
    try {
      compileGlob('[abc');
    } catch (err) {
      expect((err as { code: string }).code).toBe('INVALID_PATTERN');
      expect((err as Error).message).toContain('a "[" is not closed by "]"');
    }
  });
});

describe('createIgnoreMatcher', () => {
  it('ignores node_modules, .git and swap files by default, and everything below them', () => {
    const m = createIgnoreMatcher(root(), []);
    expect(m.ignores('node_modules', true)).toBe(true);
    expect(m.ignores('node_modules/x/index.js', false)).toBe(true);
    expect(m.ignores('packages/a/node_modules/x.js', false)).toBe(true);
    expect(m.ignores('.git/HEAD', false)).toBe(true);
    expect(m.ignores('src/.app.js.swp', false)).toBe(true);
    expect(m.ignores('src/app.js~', false)).toBe(true);
    expect(m.ignores('src/app.js', false)).toBe(false);
    expect(m.ignores('', true)).toBe(false);
  });

  it('reads the root .gitignore (comments, blank lines, dir-only and negations)', () => {
    const r = root('# build output\n\ndist/\n*.log\n!keep.log\ncoverage\n');
    const m = createIgnoreMatcher(r, []);
    expect(m.ignores('dist', true)).toBe(true);
    expect(m.ignores('dist/app.js', false)).toBe(true);
    // dir-only: a file named dist is not ignored
    expect(m.ignores('dist', false)).toBe(false);
    expect(m.ignores('logs/app.log', false)).toBe(true);
    expect(m.ignores('logs/keep.log', false)).toBe(false);
    expect(m.ignores('coverage/index.html', false)).toBe(true);
    expect(m.ignores('src/main.js', false)).toBe(false);
    expect(createIgnoreMatcher(r, [], { gitignore: false }).ignores('logs/app.log', false)).toBe(false);
  });

  it('user patterns come last: they may re-include, but not below an ignored directory (as git)', () => {
    const r = root('*.log\n');
    const m = createIgnoreMatcher(r, ['!important.log', 'tmp/', '!node_modules/keep.js']);
    expect(m.ignores('important.log', false)).toBe(false);
    expect(m.ignores('other.log', false)).toBe(true);
    expect(m.ignores('tmp/x.js', false)).toBe(true);
    expect(m.ignores('node_modules/keep.js', false)).toBe(true);
  });

  it('an absolute pattern under the root is anchored at the root', () => {
    const r = root();
    const m = createIgnoreMatcher(r, [`${r}/generated`]);
    expect(m.ignores('generated/a.js', false)).toBe(true);
    expect(m.ignores('src/generated/a.js', false)).toBe(false);
  });

  it('a bad user pattern is an error, a bad .gitignore line is skipped (as git does)', () => {
    const r = root('[oops\n*.tmp\n');
    expect(() => createIgnoreMatcher(r, ['[oops'])).toThrow(/not closed/);
    expect(createIgnoreMatcher(r, []).ignores('a.tmp', false)).toBe(true);
  });
});
