// The addon's fileSizes (native/files.c), the log rotator's sweep of every live log file in one call: the
// same sizes as statSync, -1 for what cannot be stat'ed, in the order given; and the JavaScript fallback
// (no addon) answers the same.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSizes, nativeAddon } from '../../src/core/native.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'sentinel-file-sizes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function files(): string[] {
  const a = path.join(dir, 'a.log');
  const b = path.join(dir, 'ünï côdé.stdout.log');
  const empty = path.join(dir, 'empty.log');
  const sub = path.join(dir, 'sub');
  mkdirSync(sub, { recursive: true });
  writeFileSync(a, 'x'.repeat(12345));
  writeFileSync(b, 'héllo\n');
  writeFileSync(empty, '');
  return [a, path.join(dir, 'missing.log'), b, empty, sub, path.join(dir, 'missing', 'deeper.log')];
}

describe('fileSizes', () => {
  it('is in the built addon', () => {
    expect(nativeAddon()?.fileSizes).toBeTypeOf('function');
  });

  it('gives each size in order, -1 for what is missing, through the addon and without it', () => {
    const list = files();
    const want = [12345, -1, Buffer.byteLength('héllo\n'), 0, statSync(list[4]!).size, -1];
    expect(Array.from(fileSizes(list))).toEqual(want);
    expect(Array.from(fileSizes(list, null))).toEqual(want);
  });

  it('answers nothing for no files, and many files in one call', () => {
    expect(Array.from(fileSizes([]))).toEqual([]);
    const many: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const f = path.join(dir, `many-${i}.log`);
      if (i % 3 === 0) writeFileSync(f, 'y'.repeat(i));
      many.push(f);
    }
    const sizes = Array.from(fileSizes(many));
    expect(sizes).toHaveLength(2000);
    sizes.forEach((size, i) => expect(size).toBe(i % 3 === 0 ? i : -1));
  });

  it('refuses anything but one string of paths, with a message naming the call', () => {
    const addon = nativeAddon()!;
    expect(() => (addon.fileSizes as unknown as (x: unknown) => unknown)(['a', 'b'])).toThrow(/fileSizes: expected one string of paths joined by NUL/);
    expect(() => (addon.fileSizes as unknown as () => unknown)()).toThrow(TypeError);
  });

  it('does not hand a path holding a NUL to the addon (it would split it in two)', () => {
    const list = [path.join(dir, 'a.log'), `${dir}/bad\0name`];
    // statSync refuses a NUL itself: -1, and the list keeps its length
    expect(Array.from(fileSizes(list))).toEqual([12345, -1]);
  });
});
