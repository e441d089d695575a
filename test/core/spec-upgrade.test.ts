// Specs stored before the typed sections (with an `extra` bag) come back with every setting in its section.
import { describe, expect, it } from 'vitest';
import { upgradeSpec } from '../../src/core/spec-upgrade.js';
import { DEFAULT_RESTART_POLICY } from '../../src/core/spec.js';

const OLD_BASE = {
  name: 'web', command: 'node server.js', args: [], shell: true, cwd: '/srv', env: { A: '1' }, group: null,
  restart: DEFAULT_RESTART_POLICY, stopSignal: 'SIGTERM', stopTimeoutMs: 10_000, startWaitMs: 300, port: 4000, logMaxBytes: 1024, logKeep: 5,
};

describe('upgradeSpec', () => {
  it('moves every key of an old extra bag into its typed section', () => {
    const spec = upgradeSpec({
      ...OLD_BASE,
      extra: {
        startup: { waitHttp: { url: 'http://127.0.0.1:4000/ready', expectStatus: 200 }, timeoutMs: 30_000 },
        health: { kind: 'tcp', host: '127.0.0.1', port: 4000, intervalMs: 5000, action: 'notify' },
        maxMemoryBytes: 512, maxCpu: { percent: 90, forMs: 60_000 },
        dependsOn: { db: 'healthy' }, restartCron: '0 4 * * *', restartCronTz: 'UTC', user: 'www-data', nice: 5,
        autostart: false, port: 'auto', portName: 'http', envFiles: ['/srv/.env'], secrets: ['KEY'], secretVersions: { KEY: 2 },
        configFile: '/srv/sentinel.yaml', notifyWebhooks: ['http://hooks/x'], logCompress: true,
      },
    });
    expect(spec).not.toHaveProperty('extra');
    expect(spec.readiness).toEqual({ waitHttp: { url: 'http://127.0.0.1:4000/ready', expectStatus: 200 }, timeoutMs: 30_000 });
    expect(spec.liveness).toEqual({ kind: 'tcp', target: '127.0.0.1:4000', intervalMs: 5000, action: 'notify' });
    expect(spec.limits).toEqual({ maxMemoryBytes: 512, maxCpu: { percent: 90, forMs: 60_000 }, memoryMaxBytes: null, cpuMax: null, pidsMax: null, group: null });
    expect(spec.restartCron).toEqual({ cron: '0 4 * * *', tz: 'UTC' });
    expect(spec.identity).toEqual({ user: 'www-data', group: null, nice: 5, ionice: null });
    expect(spec.notify).toEqual({ enabled: true, webhooks: ['http://hooks/x'] });
    expect(spec.source).toEqual({
      configFile: '/srv/sentinel.yaml', dependsOn: { db: 'healthy' }, autostart: false, portName: 'http', portAuto: true,
      envFiles: ['/srv/.env'], secrets: ['KEY'], secretVersions: { KEY: 2 },
    });
    expect(spec.logCompress).toBe(true);
    expect(spec.instances).toBe(1);
    expect(spec.port).toBe(4000);
  });

  it('an old spec with an empty bag gets empty sections; a typed one is kept as it is', () => {
    const spec = upgradeSpec({ ...OLD_BASE, extra: {} });
    expect([spec.readiness, spec.liveness, spec.restartCron]).toEqual([null, null, null]);
    expect(spec.identity.user).toBeNull();
    expect(spec.source.autostart).toBe(true);
    expect(upgradeSpec(spec as unknown as Record<string, unknown>)).toEqual(spec);
  });

  it('a typed spec stored before the cgroup limits keeps its thresholds and gets no hard limits', () => {
    const typed = upgradeSpec({ ...OLD_BASE, extra: {} }) as unknown as Record<string, unknown>;
    const older = { ...typed, limits: { maxMemoryBytes: 512, maxCpu: null } };
    expect(upgradeSpec(older).limits).toEqual({ maxMemoryBytes: 512, maxCpu: null, memoryMaxBytes: null, cpuMax: null, pidsMax: null, group: null });
  });
});
