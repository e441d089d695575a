// https:// checks load node:https (and node:tls) only when one runs; before that, a process that
// uses liveness checks has neither. And the https check still answers: refused, or a certificate
// it does not trust (against a real TLS server with a self-signed certificate).
import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { probeHttp } from '../../src/health/probes.js';
import { closedPort } from '../helpers.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sentinel-https-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('https checks', () => {
  it('load node:https and node:tls only when an https:// check runs', async () => {
    const entry = fileURLToPath(new URL('../../src/health/liveness.ts', import.meta.url));
    const bundle = path.join(tmp, 'liveness.mjs');
    await build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bundle, logLevel: 'silent', external: ['*.node'] });
    const port = await closedPort();
    const script = path.join(tmp, 'run.mjs');
    fs.writeFileSync(script, `
      const loaded = () => process.moduleLoadList.filter((m) => /^NativeModule (https|tls)$/.test(m)).sort().join(',') || 'none';
      const { createLivenessChecker, runLivenessProbe } = await import(${JSON.stringify(bundle)});
      const spec = { kind: 'tcp', target: '127.0.0.1:${port}', intervalMs: 1000, timeoutMs: 500, failureThreshold: 1, successThreshold: 1, initialDelayMs: 0, action: 'notify' };
      const tcp = await runLivenessProbe(spec);
      const c = createLivenessChecker(spec, { onChange() {} });
      c.start(); c.stop();
      const before = loaded();
      const r = await runLivenessProbe({ ...spec, kind: 'http', target: 'https://127.0.0.1:${port}/' });
      console.log(JSON.stringify({ before, after: loaded(), tcp: tcp.detail, https: r.detail }));
    `);
    const out = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' }));
    expect(out).toEqual({
      before: 'none',
      after: 'NativeModule https,NativeModule tls',
      tcp: `127.0.0.1:${port}: connection refused`,
      https: 'connection refused',
    });
  });

  it('fails on a certificate it does not trust, saying so', async () => {
    const key = path.join(tmp, 'key.pem');
    const cert = path.join(tmp, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' });
    const srv = https.createServer({ key: fs.readFileSync(key), cert: fs.readFileSync(cert) }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    try {
      const { port } = srv.address() as net.AddressInfo;
      const r = await probeHttp({ url: `https://127.0.0.1:${port}/health` }, { timeoutMs: 5000 });
      expect(r.ok).toBe(false);
      expect(r.detail).toMatch(/self[- ]signed certificate/);
    } finally {
      await new Promise((r) => srv.close(r));
    }
  });
});
