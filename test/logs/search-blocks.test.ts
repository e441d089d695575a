// Log search across the reader's block boundaries and the literal prefilter: every answer is checked
// against a plain reference (each line decoded on its own and tested with the pattern), on files larger
// than the read buffer, plain and gzipped, whole and page by page.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { searchLogs, compilePattern } from '../../src/logs/search.js';
import { READ_BLOCK } from '../../src/logs/search-reader.js';
import { makeTempDir } from './helpers.js';

/** Lines with chosen bytes placed across the read buffer's boundaries. */
function makeContent(): Buffer {
  const parts: Buffer[] = [];
  let size = 0;
  const add = (b: Buffer | string) => {
    const buf = typeof b === 'string' ? Buffer.from(b) : b;
    parts.push(buf);
    size += buf.length;
  };
  // filler lines up to `target - before`, so the next line's byte `before` lands on `target`
  const fillTo = (target: number, before: number) => {
    let n = 0;
    while (target - before - size > 200) add(`filler ${n++} handled GET /api/items in 12ms ok\n`);
    const gap = target - before - size;
    add(`${'f'.repeat(gap - 1)}\n`);
  };
  add('first line with a needle\n\n');
  // a three-byte € split 1 | 2 across the first boundary, on a line holding the literal
  fillTo(READ_BLOCK, 10);
  add('€ needle x €\n');
  // the literal itself split across the second boundary
  fillTo(2 * READ_BLOCK, 3);
  add('before needle after\n');
  // invalid UTF-8 around the literal, and a lone continuation byte
  add(Buffer.concat([Buffer.from('bad '), Buffer.from([0xe2, 0x82]), Buffer.from(' needle '), Buffer.from([0x80, 0xff]), Buffer.from('\n')]));
  add('NEEDLE upper case 404\n');
  add('ſtatus OK\nSTATUS ok\nKelvin \u212a\n');
  // many lines with the literal in one block: the whole block is scanned instead of each line
  for (let i = 0; i < 3000; i++) add(`dense needle ${i}${i % 7 === 0 ? ' ✓' : ''}\n`);
  // one line longer than the buffer, with the literal at its end
  add(`${'long '.repeat(Math.ceil((READ_BLOCK + 1000) / 5))}needle\n`);
  add('\n');
  add('last needle, no newline yet');
  return Buffer.concat(parts);
}

function reference(content: Buffer, pattern: string, ignoreCase = false): string[] {
  const re = compilePattern(pattern, ignoreCase).line;
  const out: string[] = [];
  for (let start = 0; start < content.length; ) {
    let end = content.indexOf(10, start);
    if (end < 0) end = content.length;
    const line = content.toString('utf8', start, end);
    if (re.test(line)) out.push(line);
    start = end + 1;
  }
  return out;
}

const PATTERNS: [string, boolean][] = [
  ['needle', false],
  ['€ needle', false],
  ['nee+dle', false],
  ['needle \\d+ ✓$', false],
  ['needle', true],
  [' 404', true],
  ['NeeDLE', true],
  ['upper case', true],
  ['ſtatus ok', true],
  ['kelvin k$', true],
  ['^$', false],
  ['\uFFFD needle \uFFFD', false],
  ['^filler 1\\d* ', false],
];

describe('searchLogs across blocks', () => {
  const content = makeContent();
  const lines = (hits: { line: string }[]) => hits.map((h) => h.line);
  const maxLineBytes = 2 * READ_BLOCK;

  it('finds the same lines as a line-by-line reference, in a plain file and in a gzipped rotated one', async () => {
    const plain = makeTempDir();
    fs.writeFileSync(path.join(plain, 'x.stdout.log'), content);
    const gz = makeTempDir();
    const cut = content.indexOf('before needle');
    fs.writeFileSync(path.join(gz, 'x.stdout.log.1.gz'), zlib.gzipSync(content.subarray(0, cut + 5)));
    fs.writeFileSync(path.join(gz, 'x.stdout.log'), content.subarray(cut + 5));
    for (const [pattern, ignoreCase] of PATTERNS) {
      const want = reference(content, pattern, ignoreCase);
      expect(want.length, pattern).toBeGreaterThan(0);
      for (const dir of [plain, gz]) {
        const r = await searchLogs(dir, [{ key: 'x', name: 'x' }], { pattern, ignoreCase, streams: ['stdout'], limit: 100_000, budgetMs: 60_000, maxLineBytes });
        expect(lines(r.hits), `${pattern} in ${dir === gz ? 'gzip' : 'plain'}`).toEqual(want);
        expect(r.scannedBytes).toBe(content.length);
      }
    }
  });

  it('keeps the multi-byte characters whole where a block boundary splits them', async () => {
    const dir = makeTempDir();
    fs.writeFileSync(path.join(dir, 'x.stdout.log'), content);
    const r = await searchLogs(dir, [{ key: 'x', name: 'x' }], { pattern: '€ needle x €', streams: ['stdout'], limit: 10, budgetMs: 60_000 });
    expect(lines(r.hits)).toEqual(['€ needle x €']);
  });

  it('pages through matches with a cursor across block boundaries, no line lost or repeated', async () => {
    const dir = makeTempDir();
    fs.writeFileSync(path.join(dir, 'x.stdout.log'), content);
    for (const pattern of ['needle', 'needle \\d+ ✓$']) {
      const paged: string[] = [];
      let cursor: string | undefined;
      do {
        const r = await searchLogs(dir, [{ key: 'x', name: 'x' }], { pattern, streams: ['stdout'], limit: 333, cursor, budgetMs: 60_000, maxLineBytes });
        paged.push(...lines(r.hits));
        cursor = r.nextCursor ?? undefined;
      } while (cursor);
      expect(paged).toEqual(reference(content, pattern));
    }
  });

  it('pages one hit at a time through lines found by the literal, after invalid and multi-byte bytes', async () => {
    const dir = makeTempDir();
    const small = Buffer.concat([Buffer.from('ü \xff\n', 'latin1'), Buffer.from('a needle ✓\nnone\n'), Buffer.from([0xe2, 0x82, 10]), Buffer.from('b needle\nc needle €')]);
    fs.writeFileSync(path.join(dir, 'x.stdout.log'), small);
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const r = await searchLogs(dir, [{ key: 'x', name: 'x' }], { pattern: 'needle', streams: ['stdout'], limit: 1, cursor, budgetMs: 60_000 });
      paged.push(...lines(r.hits));
      cursor = r.nextCursor ?? undefined;
    } while (cursor && paged.length < 10);
    expect(paged).toEqual(['a needle ✓', 'b needle', 'c needle €']);
  });

  it('stops a catastrophic pattern that has a literal, on the lines holding it', async () => {
    const dir = makeTempDir();
    fs.writeFileSync(path.join(dir, 'x.stdout.log'), `ok\nkey=${'a'.repeat(40)}!\n`);
    await expect(searchLogs(dir, [{ key: 'x', name: 'x' }], { pattern: 'key=(a+)+$', streams: ['stdout'], limit: 10, budgetMs: 300 })).rejects.toMatchObject({ code: 'PATTERN_TOO_SLOW' });
  });
});
