// sentinel export kubernetes|nomad|compose against a real daemon: from its running processes and from a
// config file (nothing started), files written where asked, secrets never written, bad input refused.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { BIN, cleanupHome, cli, cliJson, tempHome } from '../helpers.js';

let home: string;
let work: string;
const SECRET_VALUE = 'sn-export-secret-91b2';

beforeAll(async () => {
  home = tempHome();
  work = path.join(home, 'project');
  mkdirSync(work);
  writeFileSync(path.join(work, 'sentinel.yaml'), [
    'processes:',
    '  api:',
    '    argv: [sleep, "1000"]',
    '    port: 18431',
    '    env: { MODE: live, TOKEN: "${secret:API_TOKEN}" }',
    '    restart: always',
    '    health: { tcp: 18431, interval: 5s }',
    '  helper:',
    '    command: sleep 1000',
    '    depends_on: [api]',
    '',
  ].join('\n'));
  execFileSync(process.execPath, ['--', BIN, 'secret', 'set', 'API_TOKEN'], { input: SECRET_VALUE, env: { ...process.env, SENTINEL_HOME: home } });
});
afterAll(async () => { await cleanupHome(home); });

describe('export to engines', () => {
  it('exports a config file without starting anything (-f), in every format', async () => {
    for (const format of ['kubernetes', 'nomad', 'compose']) {
      const r = await cliJson<{ files: Array<{ file: string; content: string }>; warnings: string[] }>(home, ['export', format, '-f', 'sentinel.yaml'], { cwd: work });
      expect(r.files.length, format).toBeGreaterThan(0);
      expect(JSON.stringify(r), format).not.toContain(SECRET_VALUE);
      expect(r.warnings.join('\n'), format).toMatch(/api: needs an image/);
    }
    const list = await cliJson<{ processes: unknown[] }>(home, ['list']);
    expect(list.processes).toEqual([]);
  });

  it('exports the running processes to a directory: valid objects, secret by reference, session variables left out', async () => {
    const up = await cli(home, ['up', '-f', 'sentinel.yaml'], { cwd: work });
    expect(up.code, up.stderr).toBe(0);
    const out = path.join(home, 'k8s');
    const r = await cli(home, ['export', 'kubernetes', '-o', out, '--image', 'api=registry.example/api:3'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Wrote ${path.join(out, 'api.yaml')}`);
    expect(r.stdout).toContain('kubectl apply');
    expect(readdirSync(out).sort()).toEqual(['api.yaml', 'helper.yaml']);
    const docs = parseAllDocuments(readFileSync(path.join(out, 'api.yaml'), 'utf8')).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual(['Deployment', 'Service']);
    expect(() => new Deployment(docs[0]).validate()).not.toThrow();
    expect(() => new Service(docs[1]).validate()).not.toThrow();
    const c = docs[0].spec.template.spec.containers[0];
    expect(c.image).toBe('registry.example/api:3');
    expect(c.env).toContainEqual({ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'sentinel-secrets', key: 'API_TOKEN' } } });
    expect(c.env.map((e: { name: string }) => e.name)).not.toContain('PATH');
    expect(c.livenessProbe.tcpSocket).toEqual({ port: 18431 });
    // helper waits for api through its Service
    const helper = parseAllDocuments(readFileSync(path.join(out, 'helper.yaml'), 'utf8'))[0].toJS();
    expect(helper.spec.template.spec.initContainers[0].command[2]).toContain('nc -z -w 2 api 18431');
    expect(readdirSync(out).map((f) => readFileSync(path.join(out, f), 'utf8')).join('')).not.toContain(SECRET_VALUE);
    expect(r.stderr).toMatch(/Warning: api: variables of this machine's session not carried \(the image sets its own\): .*PATH/);
    expect(r.stderr).toMatch(/Warning: helper: needs an image/);
    expect(r.stderr).toMatch(/create the Secret "sentinel-secrets" with the keys API_TOKEN/);
  });

  it('writes compose.yaml and Nomad jobs, and prints them with --stdout', async () => {
    const dir = path.join(home, 'compose');
    expect((await cli(home, ['export', 'compose', '-o', dir, '--image', 'app:1'])).code).toBe(0);
    expect(readFileSync(path.join(dir, 'compose.yaml'), 'utf8')).toContain('TOKEN: ${API_TOKEN:?set the secret API_TOKEN}');
    const nomad = await cli(home, ['export', 'nomad', 'api', '--stdout', '--image', 'app:1']);
    expect(nomad.code).toBe(0);
    expect(nomad.stdout).toContain('# api.nomad.json');
    expect(JSON.parse(nomad.stdout.slice(nomad.stdout.indexOf('{'))).Job.TaskGroups[0].Networks[0].ReservedPorts[0].Value).toBe(18431);
  });

  it('refuses bad input with a clear error, a non-zero exit and no file written', async () => {
    const dir = path.join(home, 'bad');
    const cases: Array<[string[], RegExp]> = [
      [['export', 'helm', '-o', dir], /expected systemd, kubernetes, nomad or compose/],
      [['export', 'kubernetes', 'nosuch', '-o', dir], /no process named or numbered "nosuch"/],
      [['export', 'kubernetes', '-f', 'missing.yaml', '-o', dir], /missing.yaml does not exist/],
      [['export', 'kubernetes', '-f', 'sentinel.yaml', 'nosuch', '-o', dir], /process "nosuch" is not defined in sentinel.yaml; it defines: api, helper/],
      [['export', 'systemd', '--image', 'x', '-o', dir], /--image goes with kubernetes, nomad and compose/],
      [['export', 'compose', '--image', '=x', '-o', dir], /IMAGE or NAME=IMAGE/],
      [['export', 'compose', '--environment', 'prod', '-o', dir], /go with -f FILE/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(home, args, { cwd: work });
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(existsSync(dir)).toBe(false);
    const broken = path.join(work, 'broken.yaml');
    writeFileSync(broken, 'processes:\n  x:\n    comand: sleep 1\n');
    const r = await cli(home, ['export', 'compose', '-f', broken, '-o', dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/comand/);
    expect(existsSync(dir)).toBe(false);
  });
});
