// The TCP API over TLS with a self-signed certificate made here with openssl, and the daemon's refusal
// to start with TLS files it cannot use (a clear reason, no listener, no daemon left behind).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, readPid, tempHome } from '../helpers.js';
import { makeToken, request, startListening, type Target } from './tcp-helpers.js';

let home: string;
let target: Target;
let cert: string;
let key: string;

function makeCert(dir: string, name: string): { cert: string; key: string } {
  const c = path.join(dir, `${name}.crt`);
  const k = path.join(dir, `${name}.key`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', k, '-out', c, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert: c, key: k };
}

beforeAll(async () => {
  home = tempHome('sn-tls-');
  ({ cert, key } = makeCert(home, 'server'));
  const url = await startListening(home, `api:\n  tls: {cert: ${cert}, key: ${key}}\n`);
  target = { url, ca: readFileSync(cert) };
});
afterAll(async () => { await cleanupHome(home); });

describe('TLS', () => {
  it('serves the API over https with the configured certificate', async () => {
    expect(target.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const token = await makeToken(home, 'tls-viewer', 'viewer');
    const me = await request(target, 'GET', '/v1/auth/whoami', { token });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ name: 'tls-viewer', role: 'viewer' });
    expect((await request(target, 'GET', '/v1/processes')).status).toBe(401);
    const st = await request(target, 'GET', '/v1/daemon', { token });
    expect(st.json.api).toEqual({ url: target.url, tls: true });
  });

  it('is refused by a client that does not trust the certificate', async () => {
    const u = new URL(target.url);
    const err = await new Promise<Error>((resolve) => {
      https.get({ host: u.hostname, port: u.port, path: '/docs', agent: false }, () => resolve(new Error('answered'))).on('error', resolve);
    });
    expect(err.message).toMatch(/self[- ]signed|certificate/i);
  });

  it('does not answer plain HTTP with an API answer', async () => {
    const plain = await request({ url: target.url.replace('https:', 'http:') }, 'GET', '/v1/processes').catch((e: Error) => ({ status: 0, text: e.message }));
    expect(plain.status).not.toBe(200);
    expect(plain.text).not.toContain('processes');
  });
});

describe('TLS files the daemon cannot use', () => {
  it('refuses to start with a missing certificate, naming the setting', async () => {
    const bad = tempHome('sn-tlsbad-');
    try {
      writeFileSync(path.join(bad, 'sentinel.yaml'), `api:\n  listen: 127.0.0.1:0\n  tls: {cert: ${path.join(bad, 'nope.crt')}, key: ${key}}\n`);
      const r = await cli(bad, ['daemon', 'start']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('api.tls.cert');
      expect(r.stderr).toContain('nope.crt');
      const pid = readPid(path.join(bad, 'daemon.pid'));
      expect(pid === null || !alive(pid)).toBe(true);
    } finally {
      await cleanupHome(bad);
    }
  });

  it('refuses to start with a key that does not belong to the certificate', async () => {
    const bad = tempHome('sn-tlsbad-');
    try {
      const other = makeCert(bad, 'other');
      writeFileSync(path.join(bad, 'sentinel.yaml'), `api:\n  listen: 127.0.0.1:0\n  tls: {cert: ${cert}, key: ${other.key}}\n`);
      const r = await cli(bad, ['daemon', 'start']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('do not form a usable pair');
    } finally {
      await cleanupHome(bad);
    }
  });

  it('refuses a listen address that is taken, naming it', async () => {
    const bad = tempHome('sn-tlsbad-');
    try {
      const port = new URL(target.url).port;
      const r = await cli(bad, ['daemon', 'start', '--listen', `127.0.0.1:${port}`]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
      expect(r.stderr).toContain('in use');
    } finally {
      await cleanupHome(bad);
    }
  });
});
