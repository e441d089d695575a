// The HTTP framework is loaded only by the TCP face: nothing else imports fastify statically, and the
// daemon imports the TCP server only through a dynamic import (the e2e test checks a running daemon).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('lazy loading of the TCP face', () => {
  it('has no static import of fastify outside src/api/tcp, nor of the TCP server anywhere', () => {
    const src = path.join(ROOT, 'src');
    const offenders: string[] = [];
    for (const f of files(src)) {
      const text = readFileSync(f, 'utf8');
      const rel = path.relative(src, f);
      // value imports only: `import type` is erased at build time
      const values = [...text.matchAll(/^import\s(?!type\s)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1]);
      if (!rel.startsWith(`api${path.sep}tcp${path.sep}`) && values.some((s) => s === 'fastify' || s.startsWith('@fastify/'))) offenders.push(rel);
      if (values.some((s) => s.endsWith('tcp/server.js'))) offenders.push(`${rel} (imports the TCP server statically)`);
    }
    expect(offenders).toEqual([]);
    expect(readFileSync(path.join(src, 'daemon/main.ts'), 'utf8')).toContain("await import('../api/tcp/server.js')");
  });
});
