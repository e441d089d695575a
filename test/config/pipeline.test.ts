// Golden tests of the loading pipeline: a realistic project (include, template, groups, named ports,
// .env, env_file, secrets, an environment overlay) loaded and normalized to ProcessSpecs.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadProcessSpecs } from '../../src/config/load.js';
import { toProcessSpecs } from '../../src/config/normalize.js';
import { loadProject } from './helpers.js';

const STACK = fileURLToPath(new URL('./fixtures/stack/', import.meta.url));
const GOLDEN = join(STACK, 'golden-production.json');
const BASE_ENV = { PATH: '/usr/bin:/bin', HOME: '/home/dev', HOST_ONLY: 'not inherited by worker' };
const secrets: Record<string, string> = { API_KEY: 'k3y-0f-the-api' };

/** Specs with the fixture directory shown as <project>, so the golden file does not depend on the checkout. */
function portable(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value).split(STACK.replace(/\/$/, '')).join('<project>'));
}

function loadStack(environment?: string) {
  return loadConfig(join(STACK, 'sentinel.yaml'), { env: {}, environment, resolveSecret: (n) => secrets[n] });
}

describe('loading pipeline (golden)', () => {
  it('loads the stack for production and normalizes it to the golden specs', () => {
    const result = loadStack('production');
    expect(result.messages).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.secrets).toEqual(['API_KEY']);
    expect(result.files.map((f) => f.slice(STACK.length))).toEqual(['sentinel.yaml', 'services/db.yaml']);
    const specs = portable(toProcessSpecs(result.config!, { cwd: result.baseDir, baseEnv: BASE_ENV }));
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, `${JSON.stringify(specs, null, 2)}\n`);
    expect(specs).toEqual(JSON.parse(readFileSync(GOLDEN, 'utf8')));
  });

  it('differs from production only where the overlay says', () => {
    const dev = toProcessSpecs(loadStack().config!, { cwd: STACK, baseEnv: BASE_ENV });
    const prod = toProcessSpecs(loadStack('production').config!, { cwd: STACK, baseEnv: BASE_ENV });
    const web = (list: typeof dev) => list.find((s) => s.name === 'web')!;
    const worker = (list: typeof dev) => list.find((s) => s.name === 'worker')!;
    expect(web(dev).env.NODE_ENV).toBe('development');
    expect(web(prod).env.NODE_ENV).toBe('production');
    expect(web(dev).liveness?.intervalMs).toBe(10_000);
    expect(web(prod).liveness?.intervalMs).toBe(5_000);
    expect(worker(dev).identity.nice).toBe(5);
    expect(worker(prod).identity.nice).toBeNull(); // null in the overlay removes the key
  });

  it('keeps secret markers unless asked to resolve them, and then puts the value only in env', () => {
    const kept = loadProcessSpecs(join(STACK, 'sentinel.yaml'), { env: {}, baseEnv: {}, resolveSecret: (n) => secrets[n] });
    const web = kept.specs.find((s) => s.name === 'web')!;
    expect(web.env.API_KEY).toBe('${secret:API_KEY}');
    expect(web.source.secrets).toEqual(['API_KEY']);
    const resolved = loadProcessSpecs(join(STACK, 'sentinel.yaml'), { env: {}, baseEnv: {}, resolveSecret: (n) => secrets[n], resolveSecretsInEnv: true });
    const spec = resolved.specs.find((s) => s.name === 'web')!;
    expect(spec.env.API_KEY).toBe('k3y-0f-the-api');
    const { env: _env, ...rest } = spec;
    expect(JSON.stringify(rest)).not.toContain('k3y-0f-the-api');
    expect(JSON.stringify(resolved.result.config)).not.toContain('k3y-0f-the-api');
  });

  it('prefers the given variables over the project .env', () => {
    const result = loadConfig(join(STACK, 'sentinel.yaml'), { env: { APP_PORT: '5555' }, resolveSecret: (n) => secrets[n] });
    expect(result.config?.ports?.http).toBe(5555);
    const fromDotenv = loadStack();
    expect(fromDotenv.config?.ports?.http).toBe(4000);
  });
});

describe('interpolation', () => {
  const load = (value: string, env: Record<string, string>) =>
    loadProject({ 'sentinel.yaml': `processes:\n  p:\n    command: x\n    env:\n      V: "${value}"\n` }, { env, dotenv: false });

  it.each([
    ['${A}', { A: 'x' }, 'x'],
    ['${A:-dflt}', {}, 'dflt'],
    ['${A:-dflt}', { A: '' }, 'dflt'],
    ['${A-dflt}', { A: '' }, ''],
    ['${A:+alt}', { A: 'x' }, 'alt'],
    ['${A:+alt}', {}, ''],
    ['${A:-${B:-nested}}', {}, 'nested'],
    ['$$A and $$$${A}', { A: 'x' }, '$A and $${A}'],
    ['echo $HOME ${A}', { A: 'x' }, 'echo $HOME x'],
  ])('%s with %j gives %s', (value, env, expected) => {
    const result = load(value, env as Record<string, string>);
    expect(result.messages).toEqual([]);
    expect(result.config?.processes?.p.env?.V).toBe(expected);
  });

  it('warns about an unset variable without a default, and uses an empty string', () => {
    const result = load('run ${NOPE}', {});
    expect(result.config?.processes?.p.env?.V).toBe('run ');
    expect(result.warnings).toEqual(['processes.p.env.V: variable "NOPE" is not set; using an empty string (sentinel.yaml:5:10)']);
  });

  it('turns a value that is one whole ${...} into a number when it is one', () => {
    const result = loadProject({ 'sentinel.yaml': 'processes:\n  p:\n    command: x\n    port: ${PORT}\n' }, { env: { PORT: '8080' } });
    expect(result.config?.processes?.p.port).toBe(8080);
  });
});

describe('other formats', () => {
  it('loads the same config from TOML and JSON', () => {
    const toml = loadProject(
      { 'sentinel.toml': '[processes.web]\ncommand = "node server.js"\nrestart = "always"\n\n[processes.web.env]\nPORT = 3000\n' },
      {},
      'sentinel.toml',
    );
    const json = loadProject(
      { 'sentinel.json': JSON.stringify({ processes: { web: { command: 'node server.js', restart: 'always', env: { PORT: 3000 } } } }) },
      {},
      'sentinel.json',
    );
    expect(toml.messages).toEqual([]);
    expect(json.messages).toEqual([]);
    expect(toml.config).toEqual(json.config);
  });

  it('loads a Procfile directly, through its importer', () => {
    const result = loadProject({ Procfile: 'web: node server.js --port $PORT\nworker: node worker.js\n' }, {}, 'Procfile');
    expect(result.messages).toEqual([]);
    expect(Object.keys(result.config?.processes ?? {})).toEqual(['web', 'worker']);
    expect(result.config?.processes?.web.port).toBe('auto');
  });
});
