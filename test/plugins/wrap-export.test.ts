// A process with a runtime plugin (wrap:) exported to another system: the other system starts the command
// itself, so every built-in format says the wrap is not carried instead of dropping it silently.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY, DEFAULTS, emptySections, type ProcessSpec } from '../../src/core/spec.js';
import { commonWarnings } from '../../src/export/engine-common.js';
import { processUnit } from '../../src/export/systemd.js';

const spec = (wrap: ProcessSpec['wrap']): ProcessSpec => ({
  name: 'worker', command: 'python3', args: ['w.py'], shell: false, cwd: '/srv', env: {}, group: null, restart: DEFAULT_RESTART_POLICY,
  stopSignal: 'SIGTERM', stopTimeoutMs: 10_000, startWaitMs: DEFAULTS.startWaitMs, port: null, logMaxBytes: DEFAULTS.logMaxBytes, logKeep: DEFAULTS.logKeep,
  ...emptySections(), wrap,
});

describe('exporting a wrapped process', () => {
  it('the engines warn that the wrap is not carried', () => {
    const warnings: string[] = [];
    commonWarnings(spec({ plugin: 'sandbox', options: {} }), 'kubernetes', warnings);
    expect(warnings).toContain('worker: wrap not carried: kubernetes starts the command itself and cannot ask a Sentinel runtime plugin (sandbox); put what it adds into the command or the image');
    const none: string[] = [];
    commonWarnings(spec(null), 'kubernetes', none);
    expect(none.some((w) => w.includes('wrap'))).toBe(false);
  });

  it('a systemd unit names it under "Not mapped"', () => {
    const unit = processUnit(spec({ plugin: 'sandbox', options: {} }), { dropEnv: () => false, which: (c) => `/usr/bin/${c}` });
    expect(unit).toContain('#   - the runtime plugin sandbox (wrap:) that Sentinel asks before each start; ExecStart= runs the command as it is');
    expect(processUnit(spec(null), { dropEnv: () => false, which: (c) => `/usr/bin/${c}` })).not.toContain('runtime plugin');
  });
});
