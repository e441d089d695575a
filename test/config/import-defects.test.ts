// Defects found by importing real files (test/fixtures/import-corpus), each pinned by the smallest
// file that shows it. Where the result is run, it is run for real: the loaded command goes to /bin/sh.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatImported, importCompose, importFile, importPm2, importProcessCompose, importProcfile, importSupervisord } from '../../src/config/importers/index.js';
import type { ImportResult } from '../../src/config/importers/index.js';
import { SentinelConfigSchema } from '../../src/config/schema.js';
import { loadConfig } from '../../src/config/load.js';
import { loadProject } from './helpers.js';

type Proc = Record<string, unknown>;
const proc = (r: ImportResult, name: string): Proc => (r.config.processes as Record<string, Proc>)[name];

/** The sentinel.yaml that `sentinel import` writes, loaded back with `env`: what the daemon would run. */
function loadImported(r: ImportResult, env: Record<string, string> = {}) {
  const loaded = loadProject({ 'sentinel.yaml': formatImported(r, 'test') }, { env });
  expect(loaded.messages).toEqual([]);
  return loaded.config!.processes as unknown as Record<string, Proc>;
}

/** Runs a loaded shell command line as Sentinel does (/bin/sh -c) and returns its output. */
const sh = (command: string, env: Record<string, string> = {}): string =>
  execFileSync('/bin/sh', ['-c', command], { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });

describe('Procfile', () => {
  it('leaves ${PORT:-5000} to the shell instead of expanding it when sentinel.yaml loads', () => {
    const r = importProcfile('web: bin/rails server -p ${PORT:-5000}\n', 'Procfile');
    expect(proc(r, 'web')).toEqual({ command: 'bin/rails server -p $${PORT:-5000}', restart: 'on-failure', port: 'auto' });
    const loaded = loadImported(r);
    expect(loaded.web.command).toBe('bin/rails server -p ${PORT:-5000}');
    expect(sh(`echo ${String(loaded.web.command).slice('bin/rails server '.length)}`, { PORT: '7123' })).toBe('-p 7123\n');
  });

  it('gives every process a PORT, as Heroku and foreman do', () => {
    const r = importProcfile('worker: bundle exec sidekiq\nclock: bin/clock\n', 'Procfile');
    expect(proc(r, 'worker').port).toBe('auto');
    expect(proc(r, 'clock').port).toBe('auto');
  });
});

describe('supervisord', () => {
  it('keeps a backslash-newline inside a quoted bash -c, so bash joins the lines', () => {
    const r = importSupervisord('[program:job]\ncommand=bash -c "echo one \\\n  two"\n', 'job.conf');
    expect(proc(r, 'job').argv).toEqual(['bash', '-c', 'echo one \\\ntwo']);
    const argv = loadImported(r).job.argv as string[];
    expect(execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' })).toBe('one two\n');
  });

  it('leaves ${…} in an argument to the program, which supervisord passes as written', () => {
    const r = importSupervisord('[program:job]\ncommand=bash -c "echo ${GREETING:-hi}"\n', 'job.conf');
    const argv = loadImported(r, { GREETING: 'from-load' }).job.argv as string[];
    expect(argv).toEqual(['bash', '-c', 'echo ${GREETING:-hi}']);
    expect(execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', env: { PATH: process.env.PATH, GREETING: 'at-run' } })).toBe('at-run\n');
  });

  it('expands %(ENV_X)s before splitting: several arguments from one value, none from an empty one', () => {
    const text = `[program:args]\ncommand=/bin/sh -c 'for a; do printf "<%%s>" "$a"; done' sh %(ENV_ARGS)s "%(ENV_TITLE)s" end\n`;
    const r = importSupervisord(text, 'args.conf');
    expect(SentinelConfigSchema.safeParse(r.config).success).toBe(true);
    const many = loadImported(r, { ARGS: 'x y', TITLE: 'a b' }).args.command as string;
    expect(sh(many)).toBe('<x><y><a b><end>');
    const none = loadImported(r, { ARGS: '', TITLE: '' }).args.command as string;
    expect(sh(none)).toBe('<><end>');
  });

  it('reports numprocs=%(ENV_N)s instead of silently running one copy', () => {
    const r = importSupervisord('[program:w]\ncommand=worker\nnumprocs=%(ENV_WORKERS)s\n', 'w.conf');
    expect(proc(r, 'w').instances).toBeUndefined();
    expect(r.warnings).toContain('program:w: numprocs=%(ENV_WORKERS)s is not a whole number known when importing; imported as one instance (set instances: N)');
  });

  it('says clearly that a file of only [group:] sections has its programs elsewhere', () => {
    expect(() => importSupervisord('[group:app]\nprograms=web,worker\n', 'group.conf')).toThrow(
      'group.conf: holds only [group:] sections; their programs (web, worker) are defined in other files. Import the file with the [program:] sections, or put them together in one file',
    );
  });

  it('leaves out of a group the programs another file defines, with a warning', () => {
    const r = importSupervisord('[program:web]\ncommand=web\n\n[group:app]\nprograms=web,worker\n', 'app.conf');
    expect(r.config.groups).toEqual({ app: { processes: ['web'] } });
    expect(r.warnings).toContain('[group:app] programs worker are not in this file; left out of the group');
    loadImported(r);
  });

  it('carries over supervisord\'s default startretries=3 as max_restarts', () => {
    const r = importSupervisord('[program:web]\ncommand=web\nautorestart=true\n', 'web.conf');
    expect(proc(r, 'web').restart).toEqual({ policy: 'always', min_uptime: '1s', max_restarts: 3 });
  });
});

describe('process-compose', () => {
  const pc = (body: string) => importProcessCompose(`version: "0.5"\nprocesses:\n${body}`, 'process-compose.yaml');

  it('expands a bare $VAR in env values and readiness URLs at load, as process-compose does', () => {
    const r = pc('  web:\n    command: ./web\n    environment:\n      - "API_URL=http://localhost:$API_PORT/v1"\n    readiness_probe:\n      http_get:\n        host: localhost\n        port: $API_PORT\n');
    const loaded = loadImported(r, { API_PORT: '8088' });
    expect((loaded.web.env as Record<string, string>).API_URL).toBe('http://localhost:8088/v1');
    expect((loaded.web.startup as Proc).wait_http).toBe('http://localhost:8088/');
  });

  it('lets an environment entry without "=" inherit the variable instead of setting it empty', () => {
    const r = pc('  web:\n    command: ./web\n    environment:\n      - HOME\n      - "MODE=dev"\n');
    expect(proc(r, 'web').env).toEqual({ MODE: 'dev' });
  });

  it('maps readiness timeout_seconds into the start-up deadline and reports success_threshold', () => {
    const r = pc('  db:\n    command: ./db\n    readiness_probe:\n      exec:\n        command: pg_isready\n      period_seconds: 2\n      timeout_seconds: 30\n      failure_threshold: 3\n      success_threshold: 2\n');
    expect(proc(r, 'db').startup).toEqual({ wait_exec: 'pg_isready', timeout: '90s' });
    expect(r.warnings).toContain('db: readiness_probe.success_threshold 2: Sentinel is ready after the first passed check');
  });

  it('drops a dependency on an undefined process with a warning, and the result loads', () => {
    const r = pc('  api:\n    command: ./api\n    depends_on:\n      nginx:\n        condition: process_healthy\n');
    expect(proc(r, 'api').depends_on).toBeUndefined();
    expect(r.warnings).toContain('api: depends on "nginx", which is not defined in this file; dependency dropped');
    loadImported(r);
  });

  it('explains is_daemon instead of listing it as not mapped', () => {
    const r = pc('  pg:\n    command: pg_ctl start\n    is_daemon: true\n');
    expect(r.warnings).toEqual(['pg: is_daemon: the command starts a daemon and returns; Sentinel supervises a program that stays in the foreground, so run it in the foreground (as imported, its exit counts as the process ending)']);
  });

  it('imports exit_on_failure as no restart, with a note', () => {
    const r = pc('  api:\n    command: ./api\n    availability:\n      restart: exit_on_failure\n');
    expect(proc(r, 'api').restart).toBe('never');
    expect(r.warnings).toContain('api: availability.restart exit_on_failure stops process-compose and every process when this one fails; imported as restart: never (Sentinel keeps the others running)');
  });

  it('turns {{.PC_REPLICA_NUM}} into each instance\'s index, read by the shell', () => {
    const r = pc('  srv:\n    command: "echo port 80{{.PC_REPLICA_NUM}}"\n    replicas: 3\n');
    expect(proc(r, 'srv')).toEqual({ command: 'echo port 80$${SENTINEL_INSTANCE}', instances: 3 });
    const loaded = loadImported(r);
    expect(sh(loaded.srv.command as string, { SENTINEL_INSTANCE: '2' })).toBe('port 802\n');
    const single = pc('  srv:\n    command: "python3 -m http.server 404{{.PC_REPLICA_NUM}}"\n    readiness_probe:\n      http_get:\n        port: "404{{.PC_REPLICA_NUM}}"\n');
    expect(proc(single, 'srv')).toEqual({ command: 'python3 -m http.server 4040', startup: { wait_http: 'http://127.0.0.1:4040/', timeout: '30s' } });
  });
});

describe('PM2', () => {
  it('reads a .json ecosystem file as PM2 does: a JavaScript object literal', () => {
    const text = "// ecosystem\n{\n  apps: [{ name: 'api', script: 'server.js', env: { PORT: 3000 }, }],\n}\n";
    const r = importPm2(text, 'ecosystem.json');
    expect(proc(r, 'api')).toEqual({ argv: ['node', 'server.js'], env: { PORT: '3000' }, restart: { policy: 'always', max_restarts: 16 }, stop_signal: 'SIGINT', stop_timeout: '1600ms' });
  });

  it('carries over PM2\'s stop: SIGINT, then SIGKILL after kill_timeout (1600 ms unless given)', () => {
    const r = importPm2(JSON.stringify({ apps: [{ name: 'a', script: 'a.js' }, { name: 'b', script: 'b.js', kill_timeout: 5000 }] }), 'ecosystem.json');
    expect([proc(r, 'a').stop_signal, proc(r, 'a').stop_timeout]).toEqual(['SIGINT', '1600ms']);
    expect([proc(r, 'b').stop_signal, proc(r, 'b').stop_timeout]).toEqual(['SIGINT', '5000ms']);
  });

  it('carries over PM2\'s default max_restarts (16)', () => {
    const r = importPm2(JSON.stringify({ apps: [{ name: 'a', script: 'a.js' }] }), 'ecosystem.json');
    expect(proc(r, 'a').restart).toEqual({ policy: 'always', max_restarts: 16 });
  });

  it('says what a deploy-only ecosystem file is, and that computed values were computed now', () => {
    expect(() => importPm2(JSON.stringify({ deploy: { production: { host: ['h'] } } }), 'ecosystem.json')).toThrow(
      'ecosystem.json: holds only PM2 deployment targets ("deploy"), no "apps" to run',
    );
    const r = importPm2("module.exports = { apps: [{ name: 'a', script: 'a.js', env: { KEY: process.env.KEY } }] };\n", 'ecosystem.config.js');
    expect(r.warnings).toEqual(['values this file computes when PM2 loads it (process.env, require(), os.cpus()) were computed once, now, on this machine; check env and instances']);
  });

  it('takes instances: "1" without a warning', () => {
    const r = importPm2(JSON.stringify({ apps: [{ name: 'a', script: 'a.js', instances: '1' }] }), 'ecosystem.json');
    expect(r.warnings).toEqual([]);
    expect(proc(r, 'a').instances).toBeUndefined();
  });
});

describe('compose', () => {
  it('does not start a service under profiles unless asked, and names the profile', () => {
    const r = importCompose('services:\n  debug:\n    command: ./debug-tools\n    profiles: [debug]\n', 'compose.yaml');
    expect(proc(r, 'debug').autostart).toBe(false);
    expect(r.warnings).toContain('debug: starts under compose only with --profile debug; imported with autostart: false (start it with: sentinel start debug)');
  });

  it('runs a command that only passes arguments to an image\'s entrypoint in a container of that image, never on this machine', () => {
    const r = importCompose('services:\n  proxy:\n    image: traefik:v3\n    command: ["--api.insecure=true", "--providers.docker"]\n', 'compose.yaml');
    expect(r.config.processes).toEqual({ proxy: { image: 'traefik:v3', argv: ['--api.insecure=true', '--providers.docker'] } });
  });

  it('imports an image-only service as a container: image, fixed ports, volumes, the user inside it; what it cannot carry is named', () => {
    const text = [
      'services:',
      '  cache:',
      '    image: redis:7',
      '    user: "999:999"',
      '    ports: ["6380:6379", "127.0.0.1:8081:81/udp", {target: 82, published: 8082, host_ip: 127.0.0.1}, "9000", "7000-7001:7000-7001"]',
      '    volumes: ["./data:/data", "cache-db:/db:ro", {type: bind, source: ./conf, target: /etc/redis, read_only: true}, "/anon"]',
      '  app:',
      '    command: ./app',
      '    depends_on: [cache]',
    ].join('\n');
    const r = importCompose(text, 'compose.yaml');
    expect(proc(r, 'cache')).toEqual({
      image: 'redis:7',
      container_user: '999:999',
      ports: ['6380:6379', '127.0.0.1:8081:81/udp', '127.0.0.1:8082:82'],
      volumes: ['./data:/data', 'cache-db:/db:ro', './conf:/etc/redis:ro'],
    });
    expect(proc(r, 'app').depends_on).toEqual({ cache: { condition: 'started' } });
    expect(r.warnings).toContain('cache: port "9000" is not mapped (a container port on a random host port, a range or a variable); write it as "HOST:CONTAINER" in ports:');
    expect(r.warnings).toContain('cache: port "7000-7001:7000-7001" is not mapped (a container port on a random host port, a range or a variable); write it as "HOST:CONTAINER" in ports:');
    expect(r.warnings).toContain('cache: volume "/anon" (an anonymous volume or a form without a source) is not mapped');
    expect(r.warnings.some((w) => w.includes('user'))).toBe(false);
  });
});

describe('all formats', () => {
  it('reports a process name it had to change, since the name is how the process is addressed', () => {
    const r = importPm2(JSON.stringify({ apps: [{ name: 'NearBy Server', script: './server.js' }] }), 'ecosystem.json');
    expect(Object.keys(r.config.processes as object)).toEqual(['NearBy-Server']);
    expect(r.warnings).toContain('"NearBy Server" is named "NearBy-Server" (names hold letters, digits, "_", "." and "-", starting with a letter or digit)');
    const pcResult = importProcessCompose('processes:\n  _seed:\n    command: ./seed\n', 'process-compose.yaml');
    expect(pcResult.warnings).toContain('"_seed" is named "seed" (names hold letters, digits, "_", "." and "-", starting with a letter or digit)');
  });

  it('says when a compose service has no image or build but mounts volumes (an override file): its command ran in a container', () => {
    const r = importCompose('services:\n  worker:\n    command: celery worker\n    volumes: [./src:/app/src]\n', 'docker-compose.override.yml');
    expect(r.warnings).toEqual([
      "worker: has no image or build here but mounts volumes (an override of another compose file?); its command ran in that service's container, imported to run directly on this machine",
      'worker: not mapped: volumes',
    ]);
  });
});

describe('import -o into another directory', () => {
  it('rewrites cwd and env_file, and runs relative commands from the imported file\'s directory', () => {
    const root = mkdtempSync(join(tmpdir(), 'sentinel-import-o-'));
    mkdirSync(join(root, 'app', 'bin'), { recursive: true });
    writeFileSync(join(root, 'app', 'bin', 'hello'), '#!/bin/sh\necho "hello from $(basename "$PWD")"\n', { mode: 0o755 });
    writeFileSync(join(root, 'app', '.env.api'), 'A=1\n');
    writeFileSync(join(root, 'app', 'docker-compose.yml'), 'services:\n  api:\n    command: ./bin/hello\n    env_file: .env.api\n  abs:\n    command: /bin/true\n    working_dir: /srv\n');
    writeFileSync(join(root, 'app', 'Procfile'), 'web: ./bin/hello\n');
    const compose = importFile(join(root, 'app', 'docker-compose.yml'), undefined, { outputDir: join(root, 'deploy') });
    expect(proc(compose, 'api')).toMatchObject({ cwd: '../app', env_file: '../app/.env.api' });
    expect(proc(compose, 'abs').cwd).toBe('/srv');
    const procfile = importFile(join(root, 'app', 'Procfile'), undefined, { outputDir: root });
    expect(proc(procfile, 'web').cwd).toBe('app');
    const same = importFile(join(root, 'app', 'Procfile'), undefined, { outputDir: join(root, 'app') });
    expect(proc(same, 'web').cwd).toBeUndefined();
    // the written file, loaded from where it is written, runs the command in app/
    mkdirSync(join(root, 'deploy'));
    writeFileSync(join(root, 'deploy', 'sentinel.yaml'), formatImported(compose, 'docker-compose.yml'));
    expect(loadConfig(join(root, 'deploy', 'sentinel.yaml'), { env: {} }).messages).toEqual([]);
    const cwd = join(root, 'deploy', String(proc(compose, 'api').cwd));
    expect(execFileSync('/bin/sh', ['-c', String(proc(compose, 'api').argv ?? proc(compose, 'api').command)], { cwd, encoding: 'utf8' })).toBe('hello from app\n');
  });
});
