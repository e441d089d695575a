// PM2's watch keys imported as `watch:`: each form of watch, ignore_watch globs kept, regular expressions
// and options that have no equivalent reported, never dropped silently.
import { describe, expect, it } from 'vitest';
import { importPm2 } from '../../src/config/importers/index.js';

const one = (app: Record<string, unknown>) => {
  const r = importPm2(JSON.stringify({ apps: [{ name: 'web', script: 'app.js', ...app }] }), 'ecosystem.json');
  return { watch: (r.config.processes as Record<string, Record<string, unknown>>).web.watch, warnings: r.warnings };
};

describe('PM2 watch import', () => {
  it('watch: true, a path, a list; false or absent is no watch (its ignore_watch is moot)', () => {
    expect(one({ watch: true })).toEqual({ watch: true, warnings: [] });
    expect(one({ watch: 'src' }).watch).toEqual(['src']);
    expect(one({ watch: ['src', 'lib'] }).watch).toEqual(['src', 'lib']);
    expect(one({ watch: false, ignore_watch: ['node_modules'] })).toEqual({ watch: undefined, warnings: [] });
    expect(one({}).watch).toBeUndefined();
  });

  it('ignore_watch (a string or a list) and watch_delay in ms', () => {
    expect(one({ watch: true, ignore_watch: 'logs', watch_delay: 2500 }).watch).toEqual({ ignore: ['logs'], delay: '2500ms' });
    expect(one({ watch: ['src'], ignore_watch: ['*.log', 'tmp/**'] }).watch).toEqual({ paths: ['src'], ignore: ['*.log', 'tmp/**'] });
  });

  it('says what it cannot carry: regular expressions, bad globs, followSymlinks, usePolling, a bad delay', () => {
    const r = one({ watch: true, ignore_watch: ['\\.git', '^logs$', '[oops'], watch_delay: 'soon', watch_options: { followSymlinks: true, usePolling: true, interval: 100 } });
    expect(r.watch).toBe(true);
    expect(r.warnings).toEqual([
      'web: ignore_watch "\\\\.git" is a regular expression, not a glob; not mapped: write it as a glob in watch.ignore (e.g. ".*" for dot files)',
      'web: ignore_watch "^logs$" is a regular expression, not a glob; not mapped: write it as a glob in watch.ignore (e.g. ".*" for dot files)',
      'web: ignore_watch: ignore pattern "[oops": a "[" is not closed by "]"; write a glob like "*.log", "logs/**", "build/" or "!keep.log"; not mapped',
      'web: watch_options.followSymlinks is not mapped: symlinked directories are not followed; watch their targets as paths instead',
      'web: watch_options.usePolling is not mapped: Sentinel watches with inotify (a network file system may not report changes)',
      'web: watch_options interval not mapped',
      'web: watch_delay "soon" is not a number of milliseconds; the default (500ms) is used',
    ]);
  });
});
