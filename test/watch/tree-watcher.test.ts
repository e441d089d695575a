// The per-directory watcher on a real file system: what a save, a rename, a new directory, a removed and
// re-created root and the kernel's watch limit each do.
import { mkdirSync, mkdtempSync, renameSync, rmSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createIgnoreMatcher } from '../../src/watch/ignore.js';
import { watchTrees, type TreeWatcher } from '../../src/watch/tree-watcher.js';
import { waitFor } from '../helpers.js';

let dir: string;
let tw: TreeWatcher | null = null;
afterEach(() => {
  tw?.close();
  tw = null;
  rmSync(dir, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sn-tree-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

function start(roots: string[], ignore: string[] = [], extra: Partial<Parameters<typeof watchTrees>[0]> = {}): string[] {
  const seen: string[] = [];
  tw = watchTrees({ roots: roots.map((p) => ({ path: p, ignore: createIgnoreMatcher(p, ignore) })), onChange: (rel) => seen.push(rel), rootPollMs: 50, ...extra });
  return seen;
}

/** Lets the kernel deliver what is queued, for assertions that nothing came. */
const settle = () => new Promise((r) => setTimeout(r, 150));

describe('watchTrees', () => {
  it('watches every directory that is not ignored, one watch each', () => {
    const root = tree({ 'a.js': '', 'src/b.js': '', 'src/lib/c.js': '', 'node_modules/x/y.js': '', '.git/HEAD': '', 'dist/out.js': '' });
    start([root], ['dist/']);
    // root, src, src/lib: node_modules, .git and dist are never watched
    expect(tw!.directories()).toBe(3);
  });

  it('reports a change deep in the tree, relative to the root; ignored files are not reported', async () => {
    const root = tree({ 'src/lib/c.js': '', 'src/lib/d.log': '' });
    const seen = start([root], ['*.log']);
    writeFileSync(path.join(root, 'src/lib/d.log'), 'x');
    writeFileSync(path.join(root, 'src/lib/c.js'), 'x');
    expect(await waitFor(() => seen.includes('src/lib/c.js'), 5000)).toBe(true);
    await settle();
    expect(seen.filter((s) => s.endsWith('.log'))).toEqual([]);
  });

  it("sees an editor's atomic save (write a temporary file, rename it over the original)", async () => {
    const root = tree({ 'app.js': 'v1' });
    const seen = start([root]);
    writeFileSync(path.join(root, '.app.js.swp'), 'v2');
    renameSync(path.join(root, '.app.js.swp'), path.join(root, 'app.js'));
    expect(await waitFor(() => seen.includes('app.js'), 5000)).toBe(true);
  });

  it('watches a directory created after the start, and the directories made inside it', async () => {
    const root = tree({ 'a.js': '' });
    const seen = start([root]);
    mkdirSync(path.join(root, 'new/deeper'), { recursive: true });
    expect(await waitFor(() => tw!.directories() === 3, 5000)).toBe(true);
    writeFileSync(path.join(root, 'new/deeper/x.js'), 'x');
    expect(await waitFor(() => seen.includes('new/deeper/x.js'), 5000)).toBe(true);
  });

  it('stops watching a removed directory', async () => {
    const root = tree({ 'sub/a.js': '', 'sub/inner/b.js': '' });
    start([root]);
    expect(tw!.directories()).toBe(3);
    rmSync(path.join(root, 'sub'), { recursive: true });
    expect(await waitFor(() => tw!.directories() === 1, 5000)).toBe(true);
  });

  it('a root removed and made again is watched again', async () => {
    const base = tree({ 'app/a.js': '' });
    const root = path.join(base, 'app');
    const seen = start([root]);
    rmSync(root, { recursive: true });
    expect(await waitFor(() => tw!.directories() === 0, 5000)).toBe(true);
    mkdirSync(path.join(root, 'src'), { recursive: true });
    expect(await waitFor(() => tw!.directories() === 2, 5000)).toBe(true);
    seen.length = 0;
    writeFileSync(path.join(root, 'src/b.js'), 'x');
    expect(await waitFor(() => seen.includes('src/b.js'), 5000)).toBe(true);
  });

  it('a single file: changes to it (even by rename) are reported, its neighbours are not', async () => {
    const root = tree({ 'config.json': '{}', 'other.json': '{}' });
    const file = path.join(root, 'config.json');
    const seen = start([file]);
    writeFileSync(path.join(root, 'other.json'), '{"a":1}');
    await settle();
    expect(seen).toEqual([]);
    writeFileSync(path.join(root, 'tmp.json'), '{"b":1}');
    renameSync(path.join(root, 'tmp.json'), file);
    expect(await waitFor(() => seen.includes('config.json'), 5000)).toBe(true);
    expect(seen.every((s) => s === 'config.json')).toBe(true);
  });

  it('a path that does not exist is an error, with nothing left open', () => {
    const root = tree({ 'a.js': '' });
    let opened = 0;
    const counting = (d: string, l: (e: string, n: string | Buffer | null) => void): FSWatcher => { opened++; return watch(d, { persistent: false }, l); };
    expect(() => watchTrees({ roots: [root, path.join(root, 'missing')].map((p) => ({ path: p, ignore: createIgnoreMatcher(root, []) })), onChange: () => undefined, watchDir: counting }))
      .toThrow(/watch path .*missing does not exist; create it, or watch another path/);
    expect(opened).toBe(1);
  });

  it('at the inotify watch limit, the start fails saying so and how to raise it, closing what it opened', () => {
    const root = tree({ 'a/x.js': '', 'b/y.js': '', 'c/z.js': '' });
    const open: FSWatcher[] = [];
    let closed = 0;
    const limited = (d: string, l: (e: string, n: string | Buffer | null) => void): FSWatcher => {
      if (open.length === 2) throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' });
      const w = watch(d, { persistent: false }, l);
      const close = w.close.bind(w);
      w.close = () => { closed++; close(); };
      open.push(w);
      return w;
    };
    let err: (Error & { code?: string }) | null = null;
    try {
      watchTrees({ roots: [{ path: root, ignore: createIgnoreMatcher(root, []) }], onChange: () => undefined, watchDir: limited });
    } catch (e) {
      err = e as Error;
    }
    expect(err?.code).toBe('WATCH_LIMIT_REACHED');
    expect(err?.message).toMatch(/fs\.inotify\.max_user_watches = \d+\) was reached after 2 directories/);
    expect(err?.message).toContain('sysctl fs.inotify.max_user_watches=524288');
    expect(closed).toBe(2);
  });

  it('close stops every watch and the reports', async () => {
    const root = tree({ 'src/a.js': '' });
    const seen = start([root]);
    tw!.close();
    expect(tw!.directories()).toBe(0);
    writeFileSync(path.join(root, 'src/a.js'), 'x');
    await settle();
    expect(seen).toEqual([]);
  });
});
