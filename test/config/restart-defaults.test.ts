// The config file and `sentinel run` give a process the same safe restart defaults (DEFAULT_RESTART_POLICY).
import { describe, expect, it } from 'vitest';
import { toProcessSpec } from '../../src/config/normalize.js';
import type { SentinelConfig } from '../../src/config/schema.js';
import { DEFAULT_RESTART_POLICY } from '../../src/core/spec.js';
import { specFromParams } from '../../src/daemon/ops/spec-from-params.js';

const SAFE = { maxRestarts: 15, windowMs: 0, delayMs: 100, backoff: 'exponential', backoffMaxMs: 30_000, jitter: 0.2, minUptimeMs: 1000 };
const spec = (restart: unknown) => toProcessSpec({ processes: { web: { command: 'sleep 1', ...(restart === undefined ? {} : { restart }) } } } as unknown as SentinelConfig, 'web', { cwd: '/srv', baseEnv: {} });

describe('restart defaults', () => {
  it('are safe: exponential backoff from 100 ms to 30 s with jitter, failed after 15 unstable restarts', () => {
    expect(DEFAULT_RESTART_POLICY).toMatchObject(SAFE);
  });

  it('apply to every form of restart in a config file', () => {
    expect(spec(undefined).restart).toMatchObject({ ...SAFE, mode: 'never' });
    expect(spec('always').restart).toMatchObject({ ...SAFE, mode: 'always' });
    expect(spec({ policy: 'on-failure', delay: '0s' }).restart).toMatchObject({ ...SAFE, mode: 'on-failure', delayMs: 0 });
    expect(spec({ max_restarts: 0 }).restart).toMatchObject({ ...SAFE, mode: 'on-failure', maxRestarts: 0 });
  });

  it('apply to sentinel run, which goes through the same normalization', async () => {
    const ctx = { groupEnv: () => ({}), globalEnvFile: '/nonexistent/.env', takenNames: () => false };
    const s = await specFromParams({ command: 'sleep 1', shell: true, name: 'web', restart: 'always', cwd: '/tmp', env: {} }, ctx);
    expect(s.restart).toMatchObject({ ...SAFE, mode: 'always' });
    const zero = await specFromParams({ command: 'sleep 1', shell: true, name: 'web', restart: 'always', restartDelay: '0', maxRestarts: '0', cwd: '/tmp', env: {} }, ctx);
    expect(zero.restart).toMatchObject({ ...SAFE, mode: 'always', delayMs: 0, maxRestarts: 0 });
  });
});
