// --watch against a real daemon and real files: one restart per change or burst, ignored paths and
// node_modules never restart, new directories are watched, stop closes every inotify watch, and every
// bad input is refused with nothing created.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, readPid, tempHome, waitFor } from '../helpers.js';

interface View { name: string; pid: number | null; status: string; restarts: number; reason: string | null }
interface WatchView { paths: string[]; ignore: string[]; delayMs: number; active: boolean; directories: number; error: string | null; lastChange: { at: number; reason: string } | null }
interface Status { process: View; spec: { watch: WatchView | null } }
interface Event { processName: string; actor: string | null; reason: string | null; newState: string | null }

let home: string;
let project: string;
beforeAll(() => {
  home = tempHome('sn-watch-');
  project = mkdtempSync(path.join(os.tmpdir(), 'sn-watch-app-'));
  for (const d of ['src/lib', 'node_modules/dep', 'logs']) mkdirSync(path.join(project, d), { recursive: true });
  writeFileSync(path.join(project, 'src/app.js'), '1');
  writeFileSync(path.join(project, 'node_modules/dep/index.js'), '1');
  writeFileSync(path.join(project, '.gitignore'), 'generated/\n');
  mkdirSync(path.join(project, 'generated'));
});
afterAll(async () => {
  await cleanupHome(home);
  rmSync(project, { recursive: true, force: true });
});

const status = (name: string) => cliJson<Status>(home, ['status', name]);
const write = (rel: string, text = String(Date.now())) => writeFileSync(path.join(project, rel), text);
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Inode numbers (hex, as fdinfo writes them) of every inotify watch the daemon holds now. */
function daemonWatchedInodes(): Set<string> {
  const pid = readPid(path.join(home, 'daemon.pid'))!;
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target = '';
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== 'anon_inode:inotify') continue;
    for (const m of readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').matchAll(/^inotify wd:\S+ ino:([0-9a-f]+)/gm)) inodes.add(m[1]);
  }
  return inodes;
}

/** The directories of the project (relative, "." for its root) the daemon holds an inotify watch on. */
function watchedDirs(): string[] {
  const inodes = daemonWatchedInodes();
  const out: string[] = [];
  const walk = (dir: string) => {
    if (inodes.has(statSync(dir).ino.toString(16))) out.push(path.relative(project, dir) || '.');
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(path.join(dir, e.name));
  };
  walk(project);
  return out.sort();
}

/** Waits for the restart count to reach `n`, then for twice the delay more to see that no further one follows. */
async function restartsSettleAt(name: string, n: number, delayMs: number): Promise<View> {
  expect(await waitFor(async () => (await status(name)).process.restarts >= n, 15_000, 100)).toBe(true);
  await settle(delayMs * 3);
  const v = (await status(name)).process;
  expect(v.restarts).toBe(n);
  expect(v.status).toBe('running');
  return v;
}

describe('run --watch', () => {
  it('refuses bad input with a clear message, creating nothing', async () => {
    expect((await cli(home, ['run', '--name', 'plain', '--', 'sleep', '300'])).code).toBe(0);
    const cases: Array<[string[], RegExp]> = [
      [['--watch', 'missing-dir'], /--watch missing-dir: .*missing-dir does not exist; create it or watch another path/],
      [['--watch', 'src,nope'], /--watch nope: .*nope does not exist/],
      [['--watch', '--watch-ignore', '[abc'], /--watch-ignore: ignore pattern "\[abc": a "\[" is not closed by "\]"; write a glob like/],
      [['--watch', '--watch-ignore', 'a**b'], /"\*\*" must be a whole path segment/],
      [['--watch', '--watch-delay', '-1s'], /--watch-delay: expected a duration like "500ms".*got "-1s"/],
      [['--watch', '--watch-delay', 'soon'], /--watch-delay: expected a duration/],
      [['--watch-ignore', '*.log'], /--watch-ignore and --watch-delay only apply with --watch/],
      [['--watch-delay', '1s'], /--watch-ignore and --watch-delay only apply with --watch/],
    ];
    for (const [flags, message] of cases) {
      const r = await cli(home, ['run', '--name', 'bad', ...flags, '--', 'sleep', '300'], { cwd: project });
      expect(r.code, flags.join(' ')).not.toBe(0);
      expect(r.stderr, flags.join(' ')).toMatch(message);
    }
    expect((await cliJson<{ processes: View[] }>(home, ['list'])).processes.map((p) => p.name)).toEqual(['plain']);
    expect(watchedDirs()).toEqual([]);
    // the daemon stays lean: nothing watches, so the watcher is not loaded
    expect((await cliJson<{ loaded: string[] }>(home, ['daemon', 'status'])).loaded).not.toContain('watch');
  });

  it('watches the cwd with --watch alone (the command is not taken for a path) and shows the settings in status', async () => {
    const r = await cli(home, ['run', '--watch', 'sleep 300', '--name', 'app', '--watch-delay', '300ms', '--watch-ignore', '*.log'], { cwd: project });
    expect(r.code, r.stderr).toBe(0);
    const s = await status('app');
    // root, src, src/lib, logs: node_modules, .git and the .gitignore'd generated/ are not watched
    expect(s.spec.watch).toEqual({ paths: [project], ignore: ['*.log'], delayMs: 300, active: true, directories: 4, error: null, lastChange: null });
    expect(watchedDirs()).toEqual(['.', 'logs', 'src', 'src/lib']);
    expect((await cliJson<{ loaded: string[] }>(home, ['daemon', 'status'])).loaded).toContain('watch');
    // list marks it: no restart policy, but restarted on changes
    expect((await cli(home, ['list'])).stdout).toMatch(/\| app +\|.*\| watch +\|/);
    expect((await cli(home, ['list'])).stdout).toMatch(/\| plain +\|.*\| - +\|/);
    const text = await cli(home, ['status', 'app']);
    expect(text.stdout).toContain(`Watch:     ${project}, ignoring *.log, delay 300ms (4 directories)`);
  });

  it('a changed file restarts it once, with the file as the reason (in status and events)', async () => {
    const before = (await status('app')).process;
    write('src/app.js');
    const v = await restartsSettleAt('app', 1, 300);
    expect(v.pid).not.toBe(before.pid);
    expect(v.reason).toBe('file changed: src/app.js');
    expect((await status('app')).spec.watch?.lastChange?.reason).toBe('file changed: src/app.js');
    const text = await cli(home, ['status', 'app']);
    expect(text.stdout).toMatch(/Reason: +file changed: src\/app\.js/);
    const events = (await cliJson<{ events: Event[] }>(home, ['events', 'app'])).events;
    expect(events.filter((e) => e.actor === 'watch' && e.reason === 'file changed: src/app.js').length).toBeGreaterThanOrEqual(2);
  });

  it('a burst of 200 writes is one restart, after the burst', async () => {
    for (let i = 0; i < 200; i++) {
      write(`src/lib/f${i % 50}.js`, String(i));
      if (i % 20 === 0) await settle(20);
    }
    const v = await restartsSettleAt('app', 2, 300);
    expect(v.reason).toMatch(/^file changed: src\/lib\/f0\.js \(\+49 more\)$/);
  });

  it('ignored files, node_modules and .gitignore\'d directories never restart it', async () => {
    write('logs/app.log');
    write('src/debug.log');
    write('node_modules/dep/index.js');
    mkdirSync(path.join(project, 'node_modules/dep/sub'));
    write('generated/out.js');
    await settle(1000);
    expect((await status('app')).process.restarts).toBe(2);
    // and in one burst with a real change, only the real change is named
    write('logs/other.log');
    write('src/app.js');
    const v = await restartsSettleAt('app', 3, 300);
    expect(v.reason).toBe('file changed: src/app.js');
  });

  it('a directory made after the start is watched', async () => {
    mkdirSync(path.join(project, 'src/feature/deep'), { recursive: true });
    const v = await restartsSettleAt('app', 4, 300);
    // src/feature/deep may be made before or after src/feature is walked: seen as a change of its own or not
    expect(v.reason).toMatch(/^file changed: src\/feature( \(\+1 more\))?$/);
    expect((await status('app')).spec.watch?.directories).toBe(6);
    write('src/feature/deep/new.js');
    const w = await restartsSettleAt('app', 5, 300);
    expect(w.reason).toBe('file changed: src/feature/deep/new.js');
  });

  it('stop closes every watch (no inotify watch left in the daemon); a stopped process does not restart', async () => {
    const all = ['.', 'logs', 'src', 'src/feature', 'src/feature/deep', 'src/lib'];
    expect(watchedDirs()).toEqual(all);
    expect((await cli(home, ['stop', 'app'])).code).toBe(0);
    expect(watchedDirs()).toEqual([]);
    const s = await status('app');
    expect(s.spec.watch?.active).toBe(false);
    write('src/app.js');
    await settle(1000);
    expect((await status('app')).process.status).toBe('stopped');
    // start watches again
    expect((await cli(home, ['start', 'app'])).code).toBe(0);
    expect(watchedDirs()).toEqual(all);
  });

  it('a crashed process is restarted by a change (the fix), and delete closes its watches', async () => {
    const dir = path.join(project, 'crashy');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'ok'), 'no');
    // exits 1 until the file says yes
    const r = await cli(home, ['run', '--name', 'crashy', '--watch', dir, '--watch-delay', '200ms', '--no-wait', '--', 'sh', '-c', `grep -q yes ${dir}/ok || exit 1; sleep 300`], { cwd: project });
    expect(r.code, r.stderr).toBe(0);
    expect(await waitFor(async () => (await status('crashy')).process.status === 'exited', 10_000, 100)).toBe(true);
    writeFileSync(path.join(dir, 'ok'), 'yes');
    expect(await waitFor(async () => (await status('crashy')).process.status === 'running', 10_000, 100)).toBe(true);
    expect((await status('crashy')).process.reason).toBe('file changed: ok');
    expect((await cli(home, ['delete', 'crashy'])).code).toBe(0);
    expect((await cli(home, ['delete', 'app'])).code).toBe(0);
    expect(watchedDirs()).toEqual([]);
  });

  it('config file: watch in sentinel.yaml, and a missing path refused at up', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sn-watch-cfg-'));
    try {
      mkdirSync(path.join(dir, 'src'));
      writeFileSync(path.join(dir, 'sentinel.yaml'), 'processes:\n  cfg:\n    command: sleep 300\n    watch:\n      paths: [src]\n      delay: 200ms\n');
      const up = await cli(home, ['up'], { cwd: dir });
      expect(up.code, up.stderr).toBe(0);
      expect((await status('cfg')).spec.watch).toMatchObject({ paths: [path.join(dir, 'src')], delayMs: 200, active: true, directories: 1 });
      writeFileSync(path.join(dir, 'src/x.js'), '1');
      const v = await restartsSettleAt('cfg', 1, 200);
      expect(v.reason).toBe('file changed: x.js');
      expect((await cli(home, ['down'], { cwd: dir })).code).toBe(0);
      writeFileSync(path.join(dir, 'sentinel.yaml'), 'processes:\n  cfg2:\n    command: sleep 300\n    watch: [nope]\n');
      const bad = await cli(home, ['up'], { cwd: dir });
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toContain(`processes.cfg2.watch: ${path.join(dir, 'nope')} does not exist`);
      expect((await cliJson<{ processes: View[] }>(home, ['list'])).processes.map((p) => p.name)).not.toContain('cfg2');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
