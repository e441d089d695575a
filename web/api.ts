// The dashboard's only way to the daemon: the REST routes of the operations, found by name in the
// API's own OpenAPI document, with the session's token as a Bearer header. Streams are NDJSON read
// with fetch and a ReadableStream.
import type { Role, Whoami } from './types';

export interface OpInfo { name: string; method: string; path: string; permission: Role; kind: string; bodyKeys: string[] }

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

type Params = Record<string, string | number | boolean | string[] | undefined>;

export class Api {
  readonly ops = new Map<string, OpInfo>();
  me: Whoami = { name: '?', role: 'viewer' };
  /** Called when the token is refused (expired or revoked): the app goes back to the login form. */
  onUnauthorized: (message: string) => void = () => undefined;

  constructor(readonly token: string) {}

  /** Reads the operation list and who the token belongs to; throws ApiError 401 for a bad token. */
  async connect(): Promise<void> {
    const doc = await this.fetchJson<{ paths: Record<string, Record<string, Record<string, unknown>>> }>('GET', '/v1/openapi.json');
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        const name = op['x-sentinel-op'];
        if (typeof name !== 'string' || this.ops.has(name)) continue;
        const body = (op.requestBody as { content?: Record<string, { schema?: { properties?: object } }> } | undefined)?.content?.['application/json']?.schema;
        const query = ((op.parameters as Array<{ name: string }> | undefined) ?? []).map((p) => p.name);
        this.ops.set(name, {
          name, method: method.toUpperCase(), path: path.replace(/\{(\w+)\}/g, ':$1'),
          permission: (op['x-sentinel-permission'] as Role) ?? 'admin', kind: String(op['x-sentinel-kind'] ?? 'read'),
          bodyKeys: [...Object.keys(body?.properties ?? {}), ...query],
        });
      }
    }
    if (this.ops.has('auth.whoami')) this.me = await this.call<Whoami>('auth.whoami');
  }

  has(op: string): boolean {
    return this.ops.has(op);
  }

  /** Whether the token's role may call the operation: controls it may not use are not shown at all. */
  allowed(op: string): boolean {
    const info = this.ops.get(op);
    return info !== undefined && RANK[this.me.role] >= RANK[info.permission];
  }

  private request(op: string, params: Params): { method: string; url: string; body?: string } {
    const info = this.ops.get(op);
    if (!info) throw new ApiError(0, 'NOT_AVAILABLE', `this daemon has no operation "${op}"`);
    const rest: Params = { ...params };
    const path = info.path.replace(/:(\w+)/g, (_m, key: string) => {
      const v = rest[key];
      delete rest[key];
      return encodeURIComponent(String(v ?? ''));
    });
    for (const k of Object.keys(rest)) if (rest[k] === undefined) delete rest[k];
    if (info.method === 'GET' || info.method === 'DELETE' && Object.keys(rest).length === 0) {
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(rest)) q.set(k, String(v));
      const qs = q.toString();
      return { method: info.method, url: qs ? `${path}?${qs}` : path };
    }
    return { method: info.method, url: path, body: JSON.stringify(rest) };
  }

  private headers(body?: string): Record<string, string> {
    const h: Record<string, string> = { authorization: `Bearer ${this.token}` };
    if (body !== undefined) h['content-type'] = 'application/json';
    return h;
  }

  private async fetchJson<T>(method: string, url: string, body?: string, signal?: AbortSignal): Promise<T> {
    const res = await fetch(url, { method, headers: this.headers(body), body, signal, cache: 'no-store' });
    return this.readAnswer<T>(res);
  }

  private async readAnswer<T>(res: Response): Promise<T> {
    let data: unknown;
    try {
      data = await res.json();
    } catch {
      throw new ApiError(res.status, 'BAD_ANSWER', `the daemon answered HTTP ${res.status} without JSON`);
    }
    const err = (data as { error?: { code: string; message: string } }).error;
    if (!res.ok || err) {
      const e = new ApiError(res.status, err?.code ?? 'HTTP_' + res.status, err?.message ?? `HTTP ${res.status}`);
      if (res.status === 401) this.onUnauthorized(e.message);
      throw e;
    }
    return data as T;
  }

  async call<T = Record<string, unknown>>(op: string, params: Params = {}): Promise<T> {
    const r = this.request(op, params);
    return this.fetchJson<T>(r.method, r.url, r.body);
  }

  /**
   * Calls a streaming operation; each NDJSON item goes to `onItem`. Resolves when the stream ends or
   * `signal` aborts; rejects with ApiError on a refused call or an error item.
   */
  async stream<T>(op: string, params: Params, onItem: (item: T) => void, signal: AbortSignal): Promise<void> {
    const r = this.request(op, params);
    let res: Response;
    try {
      res = await fetch(r.url, { method: r.method, headers: this.headers(r.body), body: r.body, signal, cache: 'no-store' });
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    }
    if (!res.ok || !res.body) {
      await this.readAnswer(res);
      return;
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let start = 0;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n', start)) {
          const line = buf.slice(start, nl);
          start = nl + 1;
          if (!line) continue;
          const item = JSON.parse(line) as T & { error?: { code: string; message: string } };
          if (item.error && Object.keys(item).length === 1) throw new ApiError(500, item.error.code, item.error.message);
          onItem(item);
        }
        buf = buf.slice(start);
      }
    } catch (err) {
      if (signal.aborted) return;
      throw err;
    } finally {
      reader.releaseLock();
    }
  }
}
