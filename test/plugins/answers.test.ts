// The checks every plugin answer passes before it is used, and the host reporting a bad one as `garbage`
// (a JS module plugin of each new kind, loaded by the real host).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exportPathProblem, readDecide, readRender, readWrap } from '../../src/plugins/answers.js';
import { createPluginHost } from '../../src/plugins/host.js';
import type { PluginEvent } from '../../src/plugins/types.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'sn-answers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('decide answers', () => {
  it('takes a whole number ≥ 0 and an optional reason', () => {
    expect(readDecide({ instances: 3, reason: ' busy ' })).toEqual({ ok: { instances: 3, reason: 'busy' } });
    expect(readDecide({ instances: 0 })).toEqual({ ok: { instances: 0 } });
  });
  it.each([[3], [{ instances: 2.5 }], [{ instances: -1 }], [{ instances: '3' }], [{ instances: 3, reason: 7 }], [null]])('refuses %j', (v) => {
    const r = readDecide(v);
    expect('error' in r && r.error).toMatch(/^answered decide with .*; expected \{"instances": N, "reason": "\.\.\."\}/);
  });
});

describe('wrap answers', () => {
  it('takes argv, and env and cwd when given', () => {
    expect(readWrap({ argv: ['nice', 'x'] })).toEqual({ ok: { argv: ['nice', 'x'] } });
    expect(readWrap({ argv: ['x'], env: { A: '1' }, cwd: dir })).toEqual({ ok: { argv: ['x'], env: { A: '1' }, cwd: dir } });
  });
  it.each([
    [{ argv: [] }, /argv must be a non-empty list of strings/],
    [{ argv: 'sleep 1' }, /argv must be a non-empty list of strings/],
    [{ argv: ['a', 3] }, /argv must be a non-empty list of strings/],
    [{ argv: [''] }, /argv must be a non-empty list of strings/],
    [{ argv: ['a'], env: { A: 1 } }, /env must map names \(no "="\) to strings/],
    [{ argv: ['a'], env: { 'A=B': 'x' } }, /env must map names/],
    [{ argv: ['a'], env: ['A=1'] }, /env must map names to strings/],
    [{ argv: ['a'], cwd: '/no/such/dir' }, /cwd "\/no\/such\/dir", which is not an existing directory/],
    [{ argv: ['a'], cwd: 'relative' }, /not an existing directory \(an absolute path\)/],
    ['argv', /answered wrap with "argv"/],
  ])('refuses %j', (v, message) => {
    const r = readWrap(v);
    expect('error' in r && r.error).toMatch(message);
  });
});

describe('render answers', () => {
  it('takes relative files inside the output directory and warnings', () => {
    expect(readRender({ files: [{ path: 'a/b.txt', content: 'x' }, { path: './c', content: '' }], warnings: ['w'] }))
      .toEqual({ ok: { files: [{ path: 'a/b.txt', content: 'x' }, { path: 'c', content: '' }], warnings: ['w'] } });
  });
  it.each([
    [{ files: [{ path: '../x', content: '' }] }, /leaves the output directory/],
    [{ files: [{ path: 'a/../../x', content: '' }] }, /leaves the output directory/],
    [{ files: [{ path: '/etc/passwd', content: '' }] }, /is absolute/],
    [{ files: [{ path: '', content: '' }] }, /non-empty string/],
    [{ files: [{ path: 'a', content: 1 }] }, /answered render with a file/],
    [{ files: [{ path: 'a', content: '' }, { path: './a', content: '' }] }, /twice/],
    [{ files: 'a' }, /answered render with/],
    [{ files: [], warnings: 'w' }, /answered render with warnings/],
  ])('refuses %j', (v, message) => {
    const r = readRender(v);
    expect('error' in r && r.error).toMatch(message);
  });
  it('names a path problem for the CLI too', () => {
    expect(exportPathProblem('units/web.service')).toBeNull();
    expect(exportPathProblem('..')).toMatch(/leaves the output directory/);
  });
});

describe('the host reports a bad answer of each kind as garbage', () => {
  it('decide, wrap and render answers of the wrong shape are events and rejections', async () => {
    const file = path.join(dir, 'bad.mjs');
    writeFileSync(file, `export const apiVersion = 1;
export const kinds = ['scaling', 'runtime', 'exporter'];
export function create() {
  return { decide: () => ({ instances: 'many' }), wrap: () => ({ argv: [] }), render: () => ({ files: [{ path: '../up', content: '' }] }) };
}
`);
    const events: PluginEvent[] = [];
    const host = createPluginHost({ home: dir, plugins: [{ name: 'bad', module: file, timeout: 1000, options: {} }], onEvent: (e) => events.push(e), log: () => undefined });
    await host.start();
    await expect(host.decide('bad', { process: 'p', instances: 1, min: 1, max: 2, metrics: [], now: 0 })).rejects.toThrow(/plugin "bad": answered decide with instances "many"/);
    await expect(host.wrap('bad', { process: 'p', argv: ['x'], env: {}, cwd: dir })).rejects.toThrow(/plugin "bad": answered wrap with argv \[\]/);
    await expect(host.render('bad', { processes: [] })).rejects.toThrow(/plugin "bad": answered render with a file it may not write: .*leaves the output directory/);
    expect(events.filter((e) => e.kind === 'garbage').map((e) => e.message.split(' ')[1])).toEqual(['decide', 'wrap', 'render']);
    // a kind it does not serve is refused by name
    const other = createPluginHost({ home: dir, plugins: [{ name: 'bad', module: file, timeout: 1000, options: {}, kinds: ['runtime'] }], onEvent: () => undefined, log: () => undefined });
    await other.start();
    await expect(other.call('bad', 'health', {})).rejects.toThrow(/plugin "bad": is not a health plugin/);
    await host.close();
    await other.close();
  });
});
