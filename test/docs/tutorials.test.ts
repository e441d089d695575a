// Every tutorial in docs/tutorials runs against a real daemon, so the docs cannot drift from the program:
//   ```sh test            a command block: run with bash -e in the tutorial's directory; must exit 0
//   ```sh test exit=N     ...must exit N (the block runs without -e; its last command decides)
//   ```text output        right after a command block: each line must appear in its output, in order
//   ```yaml file=NAME     a file the tutorial writes (any language): created before the next command runs
// Each tutorial gets its own SENTINEL_HOME (its directory is the working directory) with `sentinel` on PATH;
// whatever it started is stopped and removed afterwards. A shell block without "test" is refused: every
// command shown is a command run.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, cleanupHome, ROOT, tempHome } from '../helpers.js';

const DIR = path.join(ROOT, 'docs/tutorials');

interface Block { line: number; lang: string; attrs: Record<string, string | true>; body: string }

function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S+)(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]);
    const attrs: Record<string, string | true> = {};
    for (const word of open[2].trim().split(/\s+/).filter(Boolean)) {
      const eq = word.indexOf('=');
      attrs[eq < 0 ? word : word.slice(0, eq)] = eq < 0 ? true : word.slice(eq + 1);
    }
    blocks.push({ line: start + 1, lang: open[1], attrs, body: body.join('\n') });
  }
  return blocks;
}

/** Each expected line appears in `text`, in order. */
function missingLine(text: string, expected: string): string | null {
  let at = 0;
  for (const line of expected.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const found = text.indexOf(line, at);
    if (found < 0) return line;
    at = found + line.length;
  }
  return null;
}

const SHELLS = new Set(['sh', 'bash', 'shell', 'console']);
const tutorials = readdirSync(DIR).filter((f) => f.endsWith('.md') && f !== 'README.md').sort();
const homes: string[] = [];
afterAll(async () => {
  for (const h of homes) await cleanupHome(h);
});

describe('tutorials', () => {
  it('are all listed in docs/tutorials/README.md', () => {
    const index = readFileSync(path.join(DIR, 'README.md'), 'utf8');
    expect(tutorials.length).toBeGreaterThanOrEqual(6);
    for (const t of tutorials) expect(index, t).toContain(`](${t})`);
  });
});

for (const file of tutorials) {
  describe(file, () => {
    const blocks = fencedBlocks(readFileSync(path.join(DIR, file), 'utf8'));
    const outline = readFileSync(path.join(DIR, file), 'utf8').includes('<!-- outline:');
    let home = '';
    let bin = '';

    it('has tested command blocks only (or is a marked outline with none)', () => {
      const untested = blocks.filter((b) => SHELLS.has(b.lang) && b.attrs.test !== true && typeof b.attrs.file !== 'string');
      expect(untested.map((b) => `line ${b.line}`), 'add "test" to the block (```sh test)').toEqual([]);
      const tested = blocks.filter((b) => b.attrs.test === true).length;
      if (outline) expect(tested).toBe(0);
      else expect(tested).toBeGreaterThan(0);
    });

    blocks.forEach((b, i) => {
      if (b.attrs.test !== true && typeof b.attrs.file !== 'string') return;
      const name = b.attrs.test === true ? `runs the commands at line ${b.line}` : `writes ${b.attrs.file} (line ${b.line})`;
      it(name, () => {
        if (!home) {
          home = tempHome('sn-doc-');
          homes.push(home);
          bin = path.join(home, '.bin');
          mkdirSync(bin);
          writeFileSync(path.join(bin, 'sentinel'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
          chmodSync(path.join(bin, 'sentinel'), 0o755);
        }
        if (typeof b.attrs.file === 'string') {
          mkdirSync(path.dirname(path.join(home, b.attrs.file)), { recursive: true });
          writeFileSync(path.join(home, b.attrs.file), `${b.body}\n`);
          return;
        }
        const wanted = b.attrs.exit === undefined ? 0 : Number(b.attrs.exit);
        const r = spawnSync('bash', [...(wanted === 0 ? ['-e', '-o', 'pipefail'] : []), '-c', b.body], {
          cwd: home,
          env: { ...process.env, SENTINEL_HOME: home, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1' },
          encoding: 'utf8',
          timeout: 90_000,
        });
        const output = `${r.stdout}${r.stderr}`;
        expect(r.status, `${file}:${b.line} exited ${r.status} (wanted ${wanted}); output:\n${output}`).toBe(wanted);
        const next = blocks[i + 1];
        if (next?.lang === 'text' && next.attrs.output === true) {
          expect(missingLine(output, next.body), `${file}:${next.line}: a line is not in the output:\n${output}`).toBeNull();
        }
      });
    });
  });
}
