// Contract schemas are built on first use: the daemon builds only those of the operations it is called
// with, and result schemas only where results are checked (tests, OpenAPI).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { defineOp } from '../../src/contracts/define.js';
import { CONTRACT_LIST } from '../../src/contracts/index.js';
import type { AnyContract } from '../../src/contracts/define.js';
import { ROOT } from '../helpers.js';

describe('defineOp', () => {
  it('calls each schema function once, on the first read, and answers the same schema after', () => {
    const calls = { params: 0, result: 0, item: 0 };
    const c = defineOp({
      name: 'x.test', summary: 'test', kind: 'stream', permission: 'viewer', routes: [{ method: 'GET', path: '/v1/x' }],
      params: () => (calls.params++, z.object({ a: z.string() })),
      result: () => (calls.result++, z.object({ b: z.number() })),
      item: () => (calls.item++, z.string()),
    });
    expect(calls).toEqual({ params: 0, result: 0, item: 0 });
    const first = c.params;
    expect(c.params).toBe(first);
    expect(calls).toEqual({ params: 1, result: 0, item: 0 });
    expect(c.params.parse({ a: 'x' })).toEqual({ a: 'x' });
    expect(c.result.safeParse({ b: 'no' }).success).toBe(false);
    expect(c.item!.parse('y')).toBe('y');
    void c.result;
    void c.item;
    expect(calls).toEqual({ params: 1, result: 1, item: 1 });
    // a spread or Object.keys sees the schemas like plain properties
    expect(Object.keys(c)).toEqual(expect.arrayContaining(['name', 'params', 'result', 'item']));
  });

  it('leaves item absent when the operation declares none', () => {
    const c = defineOp({ name: 'y.test', summary: 'test', kind: 'read', permission: 'viewer', routes: [], params: () => z.object({}), result: () => z.null() });
    expect(c.item).toBeUndefined();
    expect('item' in c).toBe(false);
  });
});

describe('the contract list', () => {
  it('declares every schema as a getter (none is built when the list is imported)', () => {
    for (const c of CONTRACT_LIST as readonly AnyContract[]) {
      for (const key of ['params', 'result', ...(c.kind === 'stream' ? ['item'] : [])]) {
        const d = Object.getOwnPropertyDescriptor(c, key);
        expect(typeof d?.get, `${c.name}.${key}`).toBe('function');
      }
    }
  });

  it('builds fewer zod schemas at import than it builds on first use (counted in a fresh Node from the build)', () => {
    // zod calls globalThis.__zod_globalConfig.postProcessor once for every schema it constructs
    const script = `
      let built = 0;
      globalThis.__zod_globalConfig = { postProcessor: () => { built++; } };
      const { CONTRACT_LIST } = await import(${JSON.stringify(path.join(ROOT, 'dist/contracts/index.js'))});
      const atImport = built;
      for (const c of CONTRACT_LIST) { void c.params; void c.result; void c.item; }
      console.log(JSON.stringify({ atImport, onUse: built - atImport }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    const { atImport, onUse } = JSON.parse(r.stdout) as { atImport: number; onUse: number };
    // eager contracts built every schema at import (onUse 0): about 1,900 of them
    expect(onUse).toBeGreaterThan(atImport);
  });
});
