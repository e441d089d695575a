import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { rotateIfNeeded } from '../../src/logs/rotate.js';
import { listRotated, rotatedPath } from '../../src/logs/paths.js';
import { readIndex } from '../../src/logs/log-index.js';
import { cleanup, makeTempDir, readAllRaw } from './helpers.js';

afterEach(cleanup);

function numberedText(from: number, to: number): string {
  let text = '';
  for (let i = from; i < to; i++) text += `line ${i} ${'x'.repeat(i % 37)}\n`;
  return text;
}

describe('rotateIfNeeded', () => {
  it('leaves a file under the limit alone', async () => {
    const file = path.join(makeTempDir(), 'a.stdout.log');
    fs.writeFileSync(file, numberedText(0, 100));
    expect(await rotateIfNeeded(file, { maxBytes: 1 << 20, keep: 3 })).toEqual({ rotated: false, lossless: true });
    expect(listRotated(file)).toEqual([]);
  });

  it('moves a block-aligned prefix to .1 with collapse-range and keeps every byte once', async () => {
    const file = path.join(makeTempDir(), 'a.stdout.log');
    const text = numberedText(0, 3000);
    fs.writeFileSync(file, text);
    const size = Buffer.byteLength(text);
    const result = await rotateIfNeeded(file, { maxBytes: 64 * 1024, keep: 3 });
    expect(result).toEqual({ rotated: true, lossless: true });
    const rotatedSize = fs.statSync(rotatedPath(file, 1, false)).size;
    expect(rotatedSize % 4096).toBe(0);
    expect(rotatedSize + fs.statSync(file).size).toBe(size);
    expect(readAllRaw(file).toString()).toBe(text);
    const index = readIndex(file);
    expect(index?.base).toBe(rotatedSize);
    expect(index?.pending).toBeNull();
  });

  it('keeps `keep` rotated files, gzips .2 and older when asked, and drops the oldest', async () => {
    const file = path.join(makeTempDir(), 'a.stdout.log');
    const limits = { maxBytes: 8192, keep: 3, compress: true };
    let all = '';
    for (let round = 0; round < 6; round++) {
      const text = numberedText(round * 400, (round + 1) * 400);
      all += text;
      fs.appendFileSync(file, text);
      expect((await rotateIfNeeded(file, limits)).rotated).toBe(true);
    }
    expect(listRotated(file).map((r) => [r.index, r.gz])).toEqual([
      [1, false],
      [2, true],
      [3, true],
    ]);
    // the gz files are real gzip and what is kept is the newest suffix of everything written
    const kept = readAllRaw(file).toString();
    expect(all.endsWith(kept)).toBe(true);
    expect(zlib.gunzipSync(fs.readFileSync(rotatedPath(file, 2, true))).length).toBeGreaterThan(0);
    expect(readIndex(file)?.base).toBe(Buffer.byteLength(all) - fs.statSync(file).size);
  });

  it('splits a file far over the limit into several rotated files', async () => {
    const file = path.join(makeTempDir(), 'a.stdout.log');
    const text = numberedText(0, 20000);
    fs.writeFileSync(file, text);
    await rotateIfNeeded(file, { maxBytes: 64 * 1024, keep: 100 });
    const rotated = listRotated(file);
    expect(rotated.length).toBeGreaterThan(5);
    for (const r of rotated) expect(fs.statSync(r.path).size).toBeLessThan(2 * 64 * 1024 + 1);
    expect(readAllRaw(file).toString()).toBe(text);
  });

  it('keeps only the newest `keep` files of normal size when a file is far past keep × limit', async () => {
    const file = path.join(makeTempDir(), 'a.stdout.log');
    const text = numberedText(0, 20000);
    fs.writeFileSync(file, text);
    await rotateIfNeeded(file, { maxBytes: 16 * 1024, keep: 3 });
    const rotated = listRotated(file);
    expect(rotated.map((r) => r.index)).toEqual([1, 2, 3]);
    for (const r of rotated) expect(fs.statSync(r.path).size).toBe(16 * 1024);
    const kept = readAllRaw(file).toString();
    expect(text.endsWith(kept)).toBe(true);
    expect(kept.length).toBe(3 * 16 * 1024 + fs.statSync(file).size);
  });

  it('with keep 0 drops the rotated bytes', async () => {
    const file = path.join(makeTempDir(), 'a.stdout.log');
    fs.writeFileSync(file, numberedText(0, 3000));
    expect((await rotateIfNeeded(file, { maxBytes: 16 * 1024, keep: 0 })).rotated).toBe(true);
    expect(listRotated(file)).toEqual([]);
    expect(fs.statSync(file).size).toBeLessThan(4096);
  });

  it('finishes a rotation a crashed daemon left between copy and collapse, without doubling', async () => {
    const file = path.join(makeTempDir(), 'a.stdout.log');
    const text = numberedText(0, 3000);
    fs.writeFileSync(file, text);
    // the state a SIGKILL right after the `rot` record leaves: prefix copied, not yet removed
    fs.writeFileSync(rotatedPath(file, 1, false), Buffer.from(text).subarray(0, 8192));
    fs.writeFileSync(`${file}.idx`, '# sentinel-log-index v1 epoch=abc\nbase 0\nrot 8192 8192\n');
    await rotateIfNeeded(file, { maxBytes: 1 << 20, keep: 3 });
    expect(readAllRaw(file).toString()).toBe(text);
    expect(readIndex(file)?.base).toBe(8192);
  });

  it('recognises a collapse that did happen before the crash', async () => {
    const file = path.join(makeTempDir(), 'a.stdout.log');
    const text = numberedText(0, 3000);
    const bytes = Buffer.from(text);
    fs.writeFileSync(rotatedPath(file, 1, false), bytes.subarray(0, 8192));
    fs.writeFileSync(file, bytes.subarray(8192));
    fs.writeFileSync(`${file}.idx`, '# sentinel-log-index v1 epoch=abc\nbase 0\nrot 8192 8192\n');
    await rotateIfNeeded(file, { maxBytes: 1 << 20, keep: 3 });
    expect(readAllRaw(file).toString()).toBe(text);
    expect(readIndex(file)?.base).toBe(8192);
  });
});

const shm = '/dev/shm';
const hasTmpfs = fs.existsSync(shm) && fs.statfsSync(shm).type === 0x01021994;

describe.skipIf(!hasTmpfs)('rotation on tmpfs (no collapse-range)', () => {
  it('falls back to copy + truncate and says it was not lossless', async () => {
    const dir = fs.mkdtempSync(path.join(shm, 'sentinel-logs-'));
    try {
      const file = path.join(dir, 'a.stdout.log');
      const text = numberedText(0, 3000);
      fs.writeFileSync(file, text);
      expect(await rotateIfNeeded(file, { maxBytes: 16 * 1024, keep: 20 })).toEqual({ rotated: true, lossless: false });
      expect(fs.statSync(file).size).toBe(0);
      expect(readAllRaw(file).toString()).toBe(text);
      expect(readIndex(file)?.base).toBe(Buffer.byteLength(text));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
