// Hard limits through imports and the config file: compose's mem_limit/cpus/pids_limit and
// deploy.resources.limits become cgroup limits; PM2's max_memory_restart stays a restart threshold;
// bad values in sentinel.yaml are refused with the key's path.
import { describe, expect, it } from 'vitest';
import { importCompose, importPm2 } from '../../src/config/importers/index.js';
import { toProcessSpec } from '../../src/config/normalize.js';
import { loadProject } from './helpers.js';

describe('hard limits in imports', () => {
  it('maps compose mem_limit, cpus and pids_limit to limits', () => {
    const r = importCompose('services:\n  api:\n    command: node api.js\n    mem_limit: 512m\n    cpus: 0.5\n    pids_limit: 100\n', 'compose.yaml');
    expect(r.config.processes!.api).toEqual({ command: 'node api.js', limits: { memory_max: 512 * 1024 ** 2, cpu_max: 0.5, pids_max: 100 } });
    expect(r.warnings).toEqual([]);
  });

  it('prefers deploy.resources.limits, as compose does, and reports what of deploy it cannot carry', () => {
    const text = [
      'services:',
      '  worker:',
      '    command: ["python", "worker.py"]',
      '    mem_limit: 1g',
      '    deploy:',
      '      replicas: 2',
      '      resources:',
      '        limits: {cpus: "1.50", memory: 256M, pids: 64}',
      '        reservations: {memory: 128M}',
      '',
    ].join('\n');
    const r = importCompose(text, 'compose.yaml');
    expect(r.config.processes!.worker.limits).toEqual({ memory_max: 256 * 1024 ** 2, cpu_max: 1.5, pids_max: 64 });
    expect(r.warnings).toEqual(['worker: deploy.resources: not mapped: reservations', 'worker: deploy: not mapped: replicas']);
  });

  it('leaves compose\'s "no limit" values out and reports values that are no limit at all', () => {
    const r = importCompose('services:\n  a:\n    command: sleep 1\n    pids_limit: -1\n    cpus: 0\n    mem_limit: lots\n', 'compose.yaml');
    expect(r.config.processes!.a.limits).toBeUndefined();
    expect(r.warnings).toEqual(['a: mem_limit "lots": expected a size of at least 1M, like 512M or 2G (K, M, G and T are powers of 1024; a bare number is bytes); not mapped']);
  });

  it('keeps PM2 max_memory_restart a restart threshold, not a kernel limit', () => {
    const r = importPm2(JSON.stringify({ apps: [{ name: 'app', script: 'app.js', max_memory_restart: '300M' }] }), 'ecosystem.json');
    expect(r.config.processes!.app.max_memory).toBe('300M');
    expect(r.config.processes!.app.limits).toBeUndefined();
  });
});

describe('hard limits in sentinel.yaml', () => {
  it('normalizes limits into the spec (cores, bytes, processes)', () => {
    const result = loadProject({ 'sentinel.yaml': 'processes:\n  p:\n    command: sleep 1\n    limits: {memory_max: 1.5G, cpu_max: "150%", pids_max: 20}\n' });
    expect(result.messages).toEqual([]);
    const spec = toProcessSpec(result.config!, 'p', { cwd: result.baseDir, baseEnv: {} });
    expect(spec.limits).toEqual({ maxMemoryBytes: null, maxCpu: null, memoryMaxBytes: 1.5 * 1024 ** 3, cpuMax: 1.5, pidsMax: 20, group: null });
  });

  it("gives every member of a group the group's shared limits", () => {
    const yaml = 'groups:\n  api:\n    processes: [a, b]\n    limits: {memory_max: 256M, pids_max: 30}\nprocesses:\n  a: {command: sleep 1, limits: {cpu_max: 0.5}}\n  b: {command: sleep 1}\n  c: {command: sleep 1}\n';
    const result = loadProject({ 'sentinel.yaml': yaml });
    expect(result.messages).toEqual([]);
    const specOf = (name: string) => toProcessSpec(result.config!, name, { cwd: result.baseDir, baseEnv: {} });
    const shared = { name: 'api', memoryMaxBytes: 256 * 1024 ** 2, cpuMax: null, pidsMax: 30 };
    expect(specOf('a').limits).toMatchObject({ cpuMax: 0.5, memoryMaxBytes: null, group: shared });
    expect(specOf('b').limits).toMatchObject({ cpuMax: null, group: shared });
    expect(specOf('c').limits.group).toBeNull();
    const bad = loadProject({ 'sentinel.yaml': 'groups:\n  api:\n    limits: {cpu_max: none}\nprocesses:\n  a: {command: sleep 1, group: api}\n' });
    expect(bad.messages).toEqual(['groups.api.limits.cpu_max: expected a CPU share above zero: "50%" of one core, or a number of cores like 1.5, got "none" (sentinel.yaml:3:23)']);
  });

  it('refuses bad values with the key, the file position and an example', () => {
    const result = loadProject({ 'sentinel.yaml': 'processes:\n  p:\n    command: sleep 1\n    limits:\n      memory_max: abc\n      cpu_max: 0\n      pids_max: -1\n      swap_max: 1G\n' });
    expect(result.config).toBeNull();
    expect(result.messages).toEqual([
      'processes.p.limits.memory_max: expected a size of at least 1M, like "512M" or "2G": past it the kernel kills a process of the tree, got "abc" (sentinel.yaml:5:19)',
      'processes.p.limits.cpu_max: expected a CPU share above zero: "50%" of one core, or a number of cores like 1.5, got 0 (sentinel.yaml:6:16)',
      'processes.p.limits.pids_max: expected a whole number of processes (threads count too) from 1, like 100: forks past it fail, got -1 (sentinel.yaml:7:17)',
      'processes.p.limits.swap_max: unknown key "swap_max"; allowed keys: memory_max, cpu_max, pids_max (sentinel.yaml:8:7)',
    ]);
  });
});
