// Helpers for the TCP API tests: a daemon with --listen on a free port, tokens made with the CLI, and
// raw HTTP(S) requests (node:http keeps the path exactly as written: "/../" and "%2e%2e" reach the server).
import http from 'node:http';
import https from 'node:https';
import { readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { cli, cliJson } from '../helpers.js';

export interface Answer { status: number; headers: http.IncomingHttpHeaders; text: string; json: Record<string, unknown> }

export interface Target { url: string; ca?: Buffer }

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** A body sent as it is (not JSON-encoded). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

export function request(t: Target, method: string, route: string, opts: RequestOptions = {}): Promise<Answer> {
  const u = new URL(t.url);
  return new Promise((resolve, reject) => {
    const data = opts.raw ?? (opts.body === undefined ? '' : JSON.stringify(opts.body));
    const headers: Record<string, string> = { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    // node:http sends a DELETE's body without framing unless its length is given
    if (data.length > 0 && !headers['transfer-encoding']) headers['content-length'] ??= String(Buffer.byteLength(data));
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request({ host: u.hostname, port: u.port, path: route, method, headers, agent: false, ...(t.ca ? { ca: t.ca } : {}) }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text);
        } catch {
          /* NDJSON, HTML or empty */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** Writes SENTINEL_HOME/sentinel.yaml and starts the daemon with --listen on a free port; returns its URL. */
export async function startListening(home: string, yaml = '', listen = '127.0.0.1:0'): Promise<string> {
  if (yaml) writeFileSync(path.join(home, 'sentinel.yaml'), yaml);
  const r = await cli(home, ['daemon', 'start', '--listen', listen]);
  expect(r.code, r.stderr).toBe(0);
  const st = await cliJson<{ api: { url: string } | null }>(home, ['daemon', 'status']);
  expect(st.api).not.toBeNull();
  return st.api!.url;
}

export async function makeToken(home: string, name: string, role: string, extra: string[] = []): Promise<string> {
  const r = await cliJson<{ value: string }>(home, ['token', 'create', name, '--role', role, ...extra]);
  return r.value;
}

/** TCP ports a process listens on, from /proc (its socket inodes matched against /proc/net/tcp{,6} in LISTEN state). */
export function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      /* closed meanwhile */
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length > 9 && f[3] === '0A' && inodes.has(f[9])) ports.push(parseInt(f[1].split(':')[1], 16));
    }
  }
  return ports;
}

export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}
