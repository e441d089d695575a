// The cluster keys as written (--scale, instances: max, port_mode) and what the spec makes of them.
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { checkPortMode, instancesFrom, parseScaleRange, ScaleKey, scaleSection, startingCount } from '../../src/cluster/scale-config.js';
import { instancePort } from '../../src/core/instances.js';
import { emptySections, type ProcessSpec } from '../../src/core/spec.js';
import { upgradeSpec } from '../../src/core/spec-upgrade.js';

describe('scale-config', () => {
  it('--scale MIN-MAX, a single count, and "max" as one per core', () => {
    expect(parseScaleRange('2-4')).toEqual({ min: 2, max: 4 });
    expect(parseScaleRange(' 3 ')).toEqual({ min: 3, max: 3 });
    expect(parseScaleRange('1-max')).toEqual({ min: 1, max: os.availableParallelism() });
    expect(instancesFrom('max')).toBe(os.availableParallelism());
    expect(instancesFrom(undefined)).toBe(1);
  });

  it('refuses bad ranges with the expected form', () => {
    expect(() => parseScaleRange('4-2')).toThrow('--scale 4-2: min 4 is larger than max 2');
    expect(() => parseScaleRange('0-2')).toThrow('the count must stay from 1 to 1000');
    expect(() => parseScaleRange('2..4')).toThrow('--scale "2..4": expected MIN-MAX like "2-4"');
  });

  it('fills in the HPA-like defaults, cpu 70 % only when nothing else is set', () => {
    expect(scaleSection({ min: 2, max: 4 }, '/srv')).toEqual({
      min: 2, max: 4, cpuPercent: 70, memoryBytes: null, upAfterMs: 30_000, downAfterMs: 300_000, cooldownMs: 60_000, policy: null,
    });
    expect(scaleSection({ min: 1, max: 3, memory: '400M' }, '/srv')?.cpuPercent).toBeNull();
    expect(scaleSection({ min: 1, max: 3, policy: { module: './p.mjs', timeout: '2s' } }, '/srv')?.policy).toEqual({ command: null, module: '/srv/p.mjs', plugin: null, timeoutMs: 2000 });
    // a scaling plugin: its name and options (none: {}), the default timeout, no CPU target
    const byPlugin = scaleSection({ min: 1, max: 3, policy: { plugin: 'queue', options: { q: 'jobs' } } }, '/srv');
    expect(byPlugin?.policy).toEqual({ command: null, module: null, plugin: { name: 'queue', options: { q: 'jobs' } }, timeoutMs: 5000 });
    expect(byPlugin?.cpuPercent).toBeNull();
    expect(scaleSection({ min: 1, max: 3, policy: { plugin: 'queue' } }, '/srv')?.policy?.plugin).toEqual({ name: 'queue', options: {} });
    expect(scaleSection(undefined, '/srv')).toBeNull();
  });

  it('a policy is one of command, module or plugin; options go with a plugin only', () => {
    expect(ScaleKey.safeParse({ min: 1, max: 2, policy: { plugin: 'q', command: 'echo 2' } }).error?.issues[0].message).toBe('expected exactly one of "command", "module" or "plugin"');
    expect(ScaleKey.safeParse({ min: 1, max: 2, policy: {} }).error?.issues[0].message).toBe('expected exactly one of "command", "module" or "plugin"');
    expect(ScaleKey.safeParse({ min: 1, max: 2, policy: { command: 'echo 2', options: { a: 1 } } }).error?.issues[0].message).toBe('"options" is for a plugin policy: add plugin: NAME or remove options');
    expect(ScaleKey.safeParse({ min: 1, max: 2, policy: { plugin: 'q', options: { a: 1 } } }).success).toBe(true);
  });

  it('starts within min..max', () => {
    const s = scaleSection({ min: 2, max: 4 }, '/')!;
    expect(startingCount(1, s)).toBe(2);
    expect(startingCount(9, s)).toBe(4);
    expect(startingCount(9, null)).toBe(9);
  });

  it('refuses a port mode without a port or a shared socket for a container', () => {
    expect(() => checkPortMode('shared', null, false)).toThrow('port_mode shared needs a port');
    expect(() => checkPortMode('shared', 8080, true)).toThrow('cannot pass a socket into a container');
    expect(() => checkPortMode('per-instance', 65535, false)).toThrow('leaves no room for a second instance');
    expect(() => checkPortMode('per-instance', 8080, true)).not.toThrow();
    expect(() => checkPortMode(null, null, false)).not.toThrow();
  });

  it('per-instance adds the index to the port; the other modes do not', () => {
    const spec = { ...emptySections(), port: 8080, portMode: 'per-instance' } as unknown as ProcessSpec;
    expect(instancePort({ instance: 3, spec })).toBe(8083);
    expect(instancePort({ instance: 3, spec: { ...spec, portMode: 'shared' } })).toBe(8080);
    expect(instancePort({ instance: 3, spec: { ...spec, port: null } })).toBeNull();
  });

  it('a spec stored before cluster mode reads as no port mode and no scaling', () => {
    const stored = { name: 'old', command: 'x', args: [], shell: true, cwd: '/', env: {}, port: 80 } as Record<string, unknown>;
    const spec = upgradeSpec(stored);
    expect(spec.portMode).toBeNull();
    expect(spec.scale).toBeNull();
  });
});
