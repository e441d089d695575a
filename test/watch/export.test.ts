// Exports say that a watch is not carried, never drop it silently.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY, DEFAULTS, emptySections, type ProcessSpec } from '../../src/core/spec.js';
import { exportKubernetes } from '../../src/export/kubernetes.js';
import { processUnit } from '../../src/export/systemd.js';

const spec = (watch: ProcessSpec['watch']): ProcessSpec => ({
  name: 'web', command: 'node server.js', args: [], shell: true, cwd: '/srv/web', env: { PATH: '/usr/bin:/bin' }, group: null,
  restart: { ...DEFAULT_RESTART_POLICY }, stopSignal: 'SIGTERM', stopTimeoutMs: 1000, startWaitMs: 300, port: null,
  logMaxBytes: DEFAULTS.logMaxBytes, logKeep: DEFAULTS.logKeep, ...emptySections(), watch,
});

describe('export of a watched process', () => {
  const watch = { paths: ['/srv/web/src'], ignore: [], delayMs: 500 };

  it('systemd lists it under "Not mapped", with the unit that could do it', () => {
    expect(processUnit(spec(watch))).toContain('#   - restart on changes under /srv/web/src (a .path unit with PathModified= can do it)');
    expect(processUnit(spec(null))).not.toContain('restart on changes');
  });

  it('kubernetes warns that it is not carried', () => {
    const out = exportKubernetes({ specs: [spec(watch)], schedules: [], hostEnv: () => false, image: 'node:20' });
    expect(out.warnings).toContain('web: watch not carried: Kubernetes does not restart on file changes (rebuild and roll out the image instead)');
    expect(exportKubernetes({ specs: [spec(null)], schedules: [], hostEnv: () => false, image: 'node:20' }).warnings.join('\n')).not.toContain('watch');
  });
});
