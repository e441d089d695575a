// Export operations: processes rendered as another system's units, from their stored specs or from a config
// file read by the same pipeline `config validate` uses (nothing is started, no port is taken).
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { SentinelError } from '../../core/errors.js';
import type { ProcessSpec } from '../../core/spec.js';
import type { OpParams } from '../../contracts/index.js';
import { isSentinelVariable } from '../../contracts/primitives.js';
import type { ExportSchedule, EngineInput, ExportFile } from '../../export/engine-common.js';
import type { Daemon, Handlers } from '../context.js';

/** A bare command name looked up in the process's own PATH, as its start would. */
function which(command: string, env: Record<string, string>): string | null {
  // a config file's process without its own PATH gets the daemon's, as at its start
  for (const dir of (env.PATH ?? process.env.PATH ?? '').split(':').filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return null;
}

interface Source { specs: ProcessSpec[]; schedules: ExportSchedule[] }

function pick(specs: ProcessSpec[], names: string[] | undefined, where: string): ProcessSpec[] {
  if (!names?.length) return specs;
  const out: ProcessSpec[] = [];
  for (const name of names) {
    const spec = specs.find((s) => s.name === name);
    if (!spec) throw new SentinelError('PROCESS_NOT_FOUND', `process "${name}" is not defined in ${where}; it defines: ${specs.map((s) => s.name).join(', ') || 'nothing'}`);
    if (!out.includes(spec)) out.push(spec);
  }
  return out;
}

async function fromFile(p: OpParams<'export.units'> & { file: string }): Promise<Source> {
  const { exportSourceFromFile } = await import('../../export/from-config.js');
  const { specs, schedules } = await exportSourceFromFile(p.file, { format: p.configFormat, environment: p.environment, env: p.env });
  return { specs: pick(specs, p.names, path.basename(p.file)), schedules: p.names?.length ? [] : schedules };
}

async function fromDaemon(d: Daemon, names: string[] | undefined): Promise<Source> {
  const sup = d.supervisor;
  // one unit per definition (instance 0 carries the spec); a name given twice is exported once
  const recs = names?.length ? names.map((n) => sup.resolve(n)) : sup.list().filter((r) => r.instance === 0);
  const specs: ProcessSpec[] = [];
  for (const rec of recs) if (!specs.some((s) => s.name === rec.name)) specs.push(rec.spec);
  if (names?.length) return { specs, schedules: [] };
  const { schedules } = await d.call('schedule.list', {});
  return {
    specs,
    schedules: schedules.map((s) => ({
      name: s.name, trigger: s.trigger, argv: s.shell ? null : [s.command, ...s.args], shell: s.shell ? s.command : null, process: null, cwd: s.cwd,
      env: s.envKeys.length ? null : {}, overlap: s.overlap, missed: s.missed, maxRuntimeMs: s.maxRuntimeMs, retries: s.retries, jitterMs: s.jitterMs, enabled: s.enabled,
    })),
  };
}

export function exportOps(d: Daemon): Handlers<'export.units'> {
  return {
    async 'export.units'(p) {
      const source = p.file !== undefined ? await fromFile({ ...p, file: p.file }) : await fromDaemon(d, p.names);
      if (p.format === 'systemd') {
        const { processUnit, unitName } = await import('../../export/systemd.js');
        const files: ExportFile[] = source.specs.map((spec) => ({ process: spec.name, file: unitName(spec.name), content: processUnit(spec, { dropEnv: isSentinelVariable, which }) }));
        const warnings = source.schedules.map((s) => `schedules.${s.name} not carried: export systemd writes services only (a .timer unit can run it)`);
        return { files, warnings };
      }
      const input: EngineInput = { specs: source.specs, schedules: source.schedules, image: p.image, images: p.images, hostEnv: () => false };
      const engines = {
        kubernetes: async () => (await import('../../export/kubernetes.js')).exportKubernetes(input),
        nomad: async () => (await import('../../export/nomad.js')).exportNomad(input),
        compose: async () => (await import('../../export/compose.js')).exportCompose(input),
      };
      return engines[p.format]();
    },
  };
}
