// The dashboard's three files (dist/web/, built by `npm run build`), served from memory on the TCP
// listener. Only these names are answered: no directory listing, no path ever reaches the file system.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SentinelError } from '../core/errors.js';

export const DASHBOARD_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../web');

const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/index.html': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

/** The page may run only its own script and talk only to this origin; nothing may frame it. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

interface Asset { body: Buffer; type: string; etag: string }

export interface StaticAnswer { status: number; headers: Record<string, string>; body: Buffer }

export class DashboardFiles {
  private readonly assets = new Map<string, Asset>();

  /** Reads the built files once; a missing build is a clear error, not a blank page. */
  constructor(dir = DASHBOARD_DIR) {
    const byFile = new Map<string, Asset>();
    for (const [route, { file, type }] of Object.entries(FILES)) {
      let asset = byFile.get(file);
      if (!asset) {
        let body: Buffer;
        try {
          body = readFileSync(path.join(dir, file));
        } catch {
          throw new SentinelError('INTERNAL', `the dashboard is not built (${path.join(dir, file)} is missing); run "npm run build"`);
        }
        asset = { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` };
        byFile.set(file, asset);
      }
      this.assets.set(route, asset);
    }
  }

  /** Whether a request path is one of the dashboard's files. */
  has(pathname: string): boolean {
    return this.assets.has(pathname);
  }

  /** The answer for GET/HEAD of one of the files; null when the path is not the dashboard's. */
  answer(method: string, pathname: string, ifNoneMatch?: string): StaticAnswer | null {
    const asset = this.assets.get(pathname);
    if (!asset) return null;
    if (method !== 'GET' && method !== 'HEAD') {
      return { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ error: { code: 'BAD_REQUEST', message: `${pathname} is a page of the dashboard: use GET` } })) };
    }
    // revalidated on every load (the files change with each build, and they are small): 304 when unchanged
    const headers = { ...SECURITY_HEADERS, 'content-type': asset.type, 'cache-control': 'no-cache', etag: asset.etag };
    if (ifNoneMatch && ifNoneMatch.split(',').some((t) => t.trim() === asset.etag)) return { status: 304, headers, body: Buffer.alloc(0) };
    return { status: 200, headers: { ...headers, 'content-length': String(asset.body.length) }, body: method === 'HEAD' ? Buffer.alloc(0) : asset.body };
  }
}
