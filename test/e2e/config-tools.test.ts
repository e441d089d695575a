// sentinel init, config validate|print|schema and import through the built CLI.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, tempHome } from '../helpers.js';

let home: string;
let dir: string;
beforeAll(() => {
  home = tempHome();
  dir = mkdtempSync(path.join(os.tmpdir(), 'sn-tools-'));
});
afterAll(async () => {
  await cleanupHome(home);
  rmSync(dir, { recursive: true, force: true });
});

const inDir = (args: string[]) => cli(home, args, { cwd: dir });

describe('init and validate', () => {
  it('writes each template, refuses to overwrite without --force, and each one validates', async () => {
    const init = await inDir(['init']);
    expect(init.stdout).toBe('Wrote sentinel.yaml (node template)\nCheck it with: sentinel config validate; start it with: sentinel up\n');
    expect(readFileSync(path.join(dir, 'sentinel.yaml'), 'utf8')).toContain('command: node server.js');
    expect(await inDir(['config', 'validate'])).toEqual({ code: 0, stdout: 'sentinel.yaml is valid (2 processes: web, worker)\n', stderr: '' });

    const again = await inDir(['init', '--template', 'go']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('Error: sentinel.yaml already exists; pass --force to overwrite it or -o to write elsewhere\n');
    expect((await inDir(['init', '--template', 'go', '--force'])).code).toBe(0);
    // validate runs up's checks against this machine: the go template's binary is not built yet
    const go = await inDir(['config', 'validate']);
    expect(go.code).toBe(2);
    expect(go.stderr).toBe(`sentinel.yaml has 1 error:\n  - process "server": executable ${path.join(dir, 'bin/server')} does not exist; check the path (relative paths start from ${dir})\n`);
    for (const template of ['python', 'static']) {
      const out = `${template}.yaml`;
      expect((await inDir(['init', '-t', template, '-o', out])).code).toBe(0);
    }
    expect((await inDir(['config', 'validate', '-f', 'python.yaml'])).code).toBe(0);
    // the static template serves ./public, which a new project has yet to create
    const site = await inDir(['config', 'validate', '-f', 'static.yaml']);
    expect(site.stderr).toContain(`process "site": working directory ${path.join(dir, 'public')} does not exist`);
    mkdirSync(path.join(dir, 'public'));
    expect((await inDir(['config', 'validate', '-f', 'static.yaml'])).code).toBe(0);
    const unknown = await inDir(['init', '-t', 'rust', '-o', 'rust.yaml']);
    expect(unknown.stderr).toBe('Error: unknown template "rust"; choose one of: node, python, go, static\n');
    expect(existsSync(path.join(dir, 'rust.yaml'))).toBe(false);
  });

  it('lists every error of a file with file:line:col, exit code 2, and as JSON', async () => {
    writeFileSync(path.join(dir, 'broken.yaml'), `processes:
  web:
    command: node server.js
    health:
      http: http://127.0.0.1:3000/
      interval: fast
    depends_on: [dbb]
  db:
    comand: postgres
`);
    const r = await inDir(['config', 'validate', '-f', 'broken.yaml']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'broken.yaml has 4 errors:\n' +
        '  - processes.web.health.interval: expected a duration like "5s", got "fast" (broken.yaml:6:17)\n' +
        '  - processes.web.depends_on: process "web" depends on "dbb", which is not a defined process or group; did you mean "db"? (broken.yaml:7:17)\n' +
        '  - processes.db: expected a "command" (or "argv", or an "image" to run), got none (broken.yaml:8:3)\n' +
        '  - processes.db.comand: unknown key "comand"; did you mean "command"? (broken.yaml:9:5)\n',
    );
    const json = await cli(home, ['config', 'validate', '-f', 'broken.yaml', '--json'], { cwd: dir });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ valid: false, errors: [expect.stringContaining('interval'), expect.stringContaining('dbb'), expect.any(String), expect.any(String)] });
  });

  it('config print shows the resolved file: overlay applied, variables filled in', async () => {
    writeFileSync(path.join(dir, 'env.yaml'), `processes:
  web:
    command: node server.js --port \${WEB_PORT:-8080}
    env:
      MODE: dev
environments:
  production:
    processes:
      web:
        env:
          MODE: prod
`);
    const dev = await inDir(['config', 'print', '-f', 'env.yaml']);
    expect(dev.stdout).toContain('command: node server.js --port 8080\n');
    expect(dev.stdout).toContain('MODE: dev');
    const prod = await cli(home, ['config', 'print', '-f', 'env.yaml', '--environment', 'production'], { cwd: dir, env: { WEB_PORT: '9000' } });
    expect(prod.stdout).toContain('command: node server.js --port 9000\n');
    expect(prod.stdout).toContain('MODE: prod');
  });

  it('config schema prints the JSON Schema of sentinel.yaml', async () => {
    const r = await inDir(['config', 'schema']);
    const schema = JSON.parse(r.stdout) as { title: string; properties: Record<string, unknown> };
    expect(schema.title).toBe('sentinel.yaml');
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['processes', 'groups', 'ports', 'environments']));
  });
});

describe('import', () => {
  it('converts a compose file (an image-only service becomes a container process), refuses to overwrite, and the result validates', async () => {
    const sub = mkdtempSync(path.join(dir, 'compose-'));
    writeFileSync(path.join(sub, 'docker-compose.yml'), `services:
  db:
    image: postgres:16
  api:
    command: node api.js
    environment:
      PORT: "3000"
    depends_on:
      - db
`);
    const r = await cli(home, ['import', 'docker-compose.yml'], { cwd: sub });
    expect(r.stdout).toBe('Wrote sentinel.yaml from docker-compose.yml (compose)\nCheck it with: sentinel config validate\n');
    const written = readFileSync(path.join(sub, 'sentinel.yaml'), 'utf8');
    expect(written).toContain('# Imported from docker-compose.yml by sentinel import.\n');
    expect(written).toContain('processes:\n  db:\n    image: postgres:16\n  api:\n    command: node api.js\n');
    expect(written).toContain('    depends_on:\n      db:\n        condition: started\n');
    expect((await cli(home, ['config', 'validate'], { cwd: sub })).stdout).toBe('sentinel.yaml is valid (2 processes: db, api)\n');

    const again = await cli(home, ['import', 'docker-compose.yml'], { cwd: sub });
    expect(again.code).toBe(1);
    expect(again.stderr).toBe('Error: sentinel.yaml already exists; pass --force to overwrite it or -o to write elsewhere\n');
    const printed = await cli(home, ['import', 'docker-compose.yml', '-o', '-'], { cwd: sub });
    expect(printed.stdout).toBe(written);
    const json = await cliJson<{ format: string; warnings: string[] }>(home, ['import', 'docker-compose.yml'], { cwd: sub });
    expect(json.format).toBe('compose');
  });

  it('a sentinel.yaml written under a compose-like name is read as a sentinel.yaml', async () => {
    const sub = mkdtempSync(path.join(dir, 'named-'));
    writeFileSync(path.join(sub, 'docker-compose.yml'), 'services:\n  api:\n    command: node api.js\n    environment:\n      PORT: "3000"\n');
    expect((await cli(home, ['import', 'docker-compose.yml', '-o', 'compose-sentinel.yaml'], { cwd: sub })).code).toBe(0);
    expect(await cli(home, ['config', 'validate', '-f', 'compose-sentinel.yaml'], { cwd: sub })).toEqual({
      code: 0, stdout: 'compose-sentinel.yaml is valid (1 process: api)\n', stderr: '',
    });
  });

  it('--format overrides detection for config validate, up, reload and down', async () => {
    const sub = mkdtempSync(path.join(dir, 'format-'));
    // YAML-shaped, but a Procfile: only --format can tell
    writeFileSync(path.join(sub, 'web.yaml'), 'web: sleep 300\n');
    const guessed = await cli(home, ['config', 'validate', '-f', 'web.yaml'], { cwd: sub });
    expect(guessed.code).toBe(2);
    expect(guessed.stderr).toContain('web');
    expect(await cli(home, ['config', 'validate', '-f', 'web.yaml', '--format', 'procfile'], { cwd: sub })).toEqual({
      code: 0, stdout: 'web.yaml is valid (1 process: web)\n', stderr: '',
    });
    const bad = await cli(home, ['config', 'validate', '-f', 'web.yaml', '--format', 'foreman'], { cwd: sub });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--format');
    expect((await cli(home, ['up', '-f', 'web.yaml'], { cwd: sub })).code).not.toBe(0);
    const up = await cliJson<{ created: string[] }>(home, ['up', '-f', 'web.yaml', '--format', 'procfile'], { cwd: sub });
    expect(up.created).toEqual(['web']);
    writeFileSync(path.join(sub, 'web.yaml'), 'web: sleep 301\n');
    const plan = await cliJson<{ plan: { changed: Array<{ name: string }> } }>(home, ['reload', '-f', 'web.yaml', '--format', 'procfile', '--dry-run'], { cwd: sub });
    expect(plan.plan.changed.map((c) => c.name)).toEqual(['web']);
    const down = await cliJson<{ removed: string[] }>(home, ['down', '-f', 'web.yaml', '--format', 'procfile'], { cwd: sub });
    expect(down.removed).toEqual(['web']);
  });

  it('names a missing file, an unknown format and a file that is not from another supervisor', async () => {
    expect((await inDir(['import', 'nope.yml'])).stderr).toBe('Error: nope.yml does not exist; give the path of the file to import\n');
    writeFileSync(path.join(dir, 'Procfile'), 'web: sleep 1\n');
    expect((await inDir(['import', 'Procfile', '--format', 'foreman'])).stderr).toBe(
      'Error: --format "foreman" is not known; use one of: procfile, pm2, compose, process-compose, supervisord\n',
    );
    writeFileSync(path.join(dir, 'plain.yaml'), 'processes:\n  a:\n    command: sleep 1\n');
    expect((await inDir(['import', 'plain.yaml'])).stderr).toBe(
      'Error: plain.yaml: not a Procfile, PM2 ecosystem, compose, process-compose or supervisord file; name the format with --format\n',
    );
  });
});
