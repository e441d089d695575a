// The hash of an artifact directory, recorded with a revision so that `deploy history` tells which build
// each revision ran: SHA-256 over every file's relative path, mode and content, in path order.
// node_modules and .git are left out (installed or bookkeeping, not the artifact).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { SentinelError } from '../core/errors.js';

const SKIP = new Set(['node_modules', '.git']);

export function hashArtifact(dir: string): string {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new SentinelError('INVALID_ARGUMENT', `--artifact ${dir}: no such directory; give the directory of the build to record`);
  }
  if (!st.isDirectory()) throw new SentinelError('INVALID_ARGUMENT', `--artifact ${dir}: not a directory; give the directory of the build to record`);
  const hash = createHash('sha256');
  const walk = (rel: string): void => {
    const entries = readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (SKIP.has(e.name)) continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else if (e.isFile()) {
        const full = path.join(dir, child);
        hash.update(`${child}\0${statSync(full).mode & 0o777}\0`);
        hash.update(readFileSync(full));
        hash.update('\0');
      }
    }
  };
  walk('');
  return `sha256:${hash.digest('hex')}`;
}
