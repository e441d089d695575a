// viewProcess keeps per record what only its name, instance, spec and the logs directory decide (the
// display name, command, port, log paths): each of those changing must show in the next view at once.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { viewProcess } from '../../src/daemon/ops/view.js';
import type { ProcessSpec } from '../../src/core/spec.js';
import type { ProcessRecord } from '../../src/store/processes.js';

function spec(over: Partial<ProcessSpec> = {}): ProcessSpec {
  return {
    name: 'web', command: 'sleep', args: ['77777'], shell: false, env: {}, cwd: '/srv', instances: 1,
    restart: { mode: 'on-failure' }, group: null, port: null, portMode: null, scale: null, container: null, watch: null,
    ...over,
  } as unknown as ProcessSpec;
}

function record(s: ProcessSpec, instance = 0): ProcessRecord {
  return {
    id: 7 + instance, name: s.name, instance, spec: s, state: 'running', pid: 4242 + instance, pidStartTime: 1, runMarker: null,
    startedAt: 1000, restarts: 0, restartHistory: [], lastExit: null, nextRestartAt: null, reason: null, health: null,
    wantRunning: true, startSeq: 1, createdAt: 500,
  } as unknown as ProcessRecord;
}

const logs = '/home/u/.sentinel/logs';
const usage = { cpuPercent: 1.5, memoryBytes: 2048, pids: 1 };

describe('viewProcess kept parts', () => {
  it('answers the same view on every call, and the same as a record seen for the first time', () => {
    const rec = record(spec({ args: ['a b', "it's"] }));
    const first = viewProcess(rec, usage, logs, 2000);
    const again = viewProcess(rec, usage, logs, 2000);
    expect(again).toEqual(first);
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
    expect(viewProcess(record(spec({ args: ['a b', "it's"] })), usage, logs, 2000)).toEqual(first);
    expect(first).toMatchObject({
      name: 'web', command: 'sleep "a b" "it\'s"', port: null,
      stdoutLog: path.join(logs, 'web.stdout.log'), stderrLog: path.join(logs, 'web.stderr.log'),
    });
  });

  it('shows a new spec at once (updateSpec gives the record a new spec object)', () => {
    const rec = record(spec());
    expect(viewProcess(rec, usage, logs, 2000)).toMatchObject({ command: 'sleep 77777', port: null, cwd: '/srv' });
    rec.spec = spec({ command: 'node', args: ['server.js'], port: 3000, portMode: 'shared', cwd: '/app' });
    expect(viewProcess(rec, usage, logs, 2000)).toMatchObject({ command: 'node server.js', port: 3000, cwd: '/app' });
    rec.spec = spec({ command: 'echo hi && sleep 1', args: [], shell: true });
    expect(viewProcess(rec, usage, logs, 2000).command).toBe('echo hi && sleep 1');
    rec.spec = spec({ command: '', args: [], container: { image: 'redis:7' } as ProcessSpec['container'] });
    expect(viewProcess(rec, usage, logs, 2000).command).toBe('[redis:7]');
  });

  it('shows a scale of the definition at once: the display name and per-instance port follow the new count', () => {
    const one = spec({ port: 4000, portMode: 'per-instance' });
    const rec = record(one);
    expect(viewProcess(rec, usage, logs, 2000)).toMatchObject({ name: 'web', instances: 1, port: 4000 });
    // scaled to 3: every member gets the new spec, and the new members are new records
    const three = spec({ port: 4000, portMode: 'per-instance', instances: 3 });
    rec.spec = three;
    const second = record(three, 1);
    expect(viewProcess(rec, usage, logs, 2000)).toMatchObject({ name: 'web:0', instances: 3, port: 4000 });
    expect(viewProcess(second, usage, logs, 2000)).toMatchObject({
      name: 'web:1', instance: 1, port: 4001, stdoutLog: path.join(logs, 'web:1.stdout.log'), stderrLog: path.join(logs, 'web:1.stderr.log'),
    });
    // back to 1
    rec.spec = one;
    expect(viewProcess(rec, usage, logs, 2000)).toMatchObject({ name: 'web', instances: 1, port: 4000 });
  });

  it('follows a record that takes another name or index, and another logs directory', () => {
    const rec = record(spec());
    viewProcess(rec, usage, logs, 2000);
    rec.name = 'api';
    expect(viewProcess(rec, usage, logs, 2000)).toMatchObject({ name: 'api', definition: 'api', stdoutLog: path.join(logs, 'api.stdout.log') });
    rec.instance = 2;
    expect(viewProcess(rec, usage, logs, 2000)).toMatchObject({ name: 'api:2', stderrLog: path.join(logs, 'api:2.stderr.log') });
    expect(viewProcess(rec, usage, '/elsewhere', 2000)).toMatchObject({ stdoutLog: path.join('/elsewhere', 'api:2.stdout.log') });
  });

  it('still reads what changes between calls from the record itself', () => {
    const rec = record(spec());
    expect(viewProcess(rec, usage, logs, 2000)).toMatchObject({ pid: 4242, status: 'running', cpu: 1.5, memory: 2048, uptimeMs: 1000 });
    Object.assign(rec, { state: 'stopped', pid: null, restarts: 3, reason: 'stopped by you' });
    expect(viewProcess(rec, usage, logs, 3000)).toMatchObject({ pid: null, status: 'stopped', cpu: null, memory: null, uptimeMs: null, restarts: 3, reason: 'stopped by you' });
  });
});
