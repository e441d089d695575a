// The textfile export: atomic replacement, no temporary file left behind (also on errors), and one log
// line per kind of failure rather than one per interval.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkExportTarget, startFileExport, writeFileAtomic } from '../../src/metrics/textfile.js';

let dir: string;
beforeEach(() => { dir = mkdtempSync(path.join(os.tmpdir(), 'snt-')); });
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function recorder() {
  const lines: Array<{ level: string; code: string; message: string }> = [];
  return {
    lines,
    warn: (code: string, message: string) => void lines.push({ level: 'warn', code, message }),
    info: (code: string, message: string) => void lines.push({ level: 'info', code, message }),
  };
}

describe('writeFileAtomic', () => {
  it('replaces the file and leaves nothing else in the directory', () => {
    const file = path.join(dir, 'sentinel.prom');
    writeFileSync(file, 'old\n');
    writeFileAtomic(file, 'new\n');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(readdirSync(dir)).toEqual(['sentinel.prom']);
  });

  it('throws when the directory is gone, and leaves no temporary file', () => {
    expect(() => writeFileAtomic(path.join(dir, 'missing', 'x.prom'), 'x')).toThrow(/ENOENT/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removes its temporary file when the rename fails (the target is a directory)', () => {
    const target = path.join(dir, 'taken.prom');
    mkdirSync(path.join(target, 'inside'), { recursive: true });
    expect(() => writeFileAtomic(target, 'x')).toThrow(/EISDIR|ENOTEMPTY|EEXIST/);
    expect(readdirSync(dir)).toEqual(['taken.prom']);
  });
});

describe('checkExportTarget', () => {
  it('names the missing directory and what to do', () => {
    expect(() => checkExportTarget(path.join(dir, 'nope', 'x.prom'), 'sentinel.yaml')).toThrow(/sentinel\.yaml: metrics\.file .*nope does not exist; create it/);
  });

  it('refuses a directory given as the file, and a parent that is a file', () => {
    expect(() => checkExportTarget(dir, 's.yaml')).toThrow(/is a directory; name a file in it/);
    writeFileSync(path.join(dir, 'plain'), '');
    expect(() => checkExportTarget(path.join(dir, 'plain', 'x.prom'), 's.yaml')).toThrow(/is not a directory/);
  });

  it('accepts a writable directory', () => {
    expect(() => checkExportTarget(path.join(dir, 'x.prom'), 's.yaml')).not.toThrow();
  });
});

describe('startFileExport', () => {
  it('logs a failure once per kind, then that it works again', async () => {
    const sub = path.join(dir, 'sub');
    mkdirSync(sub);
    const file = path.join(sub, 'sentinel.prom');
    const log = recorder();
    let n = 0;
    const exp = startFileExport({ file, intervalMs: 60_000, log, render: async () => `sample ${++n}\n` });
    try {
      await exp.writeNow();
      expect(readFileSync(file, 'utf8')).toBe('sample 1\n');
      rmSync(sub, { recursive: true });
      await exp.writeNow();
      await exp.writeNow();
      await exp.writeNow();
      expect(log.lines.filter((l) => l.code === 'METRICS_FILE_FAILED')).toHaveLength(1);
      expect(log.lines[0].message).toMatch(/could not write the metrics file .*ENOENT/);
      // another kind of failure is logged once too
      const failing = startFileExport({ file: path.join(dir, 'r.prom'), intervalMs: 60_000, log, render: async () => { throw new TypeError('broken render'); } });
      await failing.writeNow();
      await failing.writeNow();
      failing.stop();
      expect(log.lines.filter((l) => l.code === 'METRICS_FILE_FAILED')).toHaveLength(2);
      mkdirSync(sub);
      await exp.writeNow();
      expect(readFileSync(file, 'utf8')).toBe(`sample ${n}\n`);
      expect(log.lines.at(-1)?.code).toBe('METRICS_FILE_RECOVERED');
      expect(readdirSync(sub)).toEqual(['sentinel.prom']);
      expect(readdirSync(dir).sort()).toEqual(['sub']);
    } finally {
      exp.stop();
    }
  });

  it('rewrites the file on its interval', async () => {
    const file = path.join(dir, 'tick.prom');
    let n = 0;
    const exp = startFileExport({ file, intervalMs: 50, log: recorder(), render: async () => `n ${++n}\n` });
    try {
      const deadline = Date.now() + 5000;
      while (n < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(n).toBeGreaterThanOrEqual(3);
      expect(readFileSync(file, 'utf8')).toMatch(/^n \d+\n$/);
    } finally {
      exp.stop();
    }
  });
});
