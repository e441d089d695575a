// Export operations: processes rendered as another system's units, from their stored specs or from a config
// file read by the same pipeline `config validate` uses (nothing is started, no port is taken).
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { SentinelError } from '../../core/errors.js';
import { suggest } from '../../core/suggest.js';
import type { ProcessSpec } from '../../core/spec.js';
import type { OpParams } from '../../contracts/index.js';
import { isSentinelVariable } from '../../contracts/primitives.js';
import type { ExportSchedule, EngineInput, ExportFile } from '../../export/engine-common.js';
import type { Daemon, Handlers } from '../context.js';
import { EXPORT_FORMATS } from '../../export/formats.js';

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

const isBuiltIn = (format: string): format is (typeof EXPORT_FORMATS)[number] => (EXPORT_FORMATS as readonly string[]).includes(format);

/** A format that is no built-in must be an exporter plugin daemon.yaml declares; refused before any file is read. */
function checkPluginFormat(d: Daemon, p: OpParams<'export.units'>): void {
  const kinds = d.plugins.kindsOf(p.format);
  const exporters = d.plugins.names().filter((n) => d.plugins.kindsOf(n)?.includes('exporter'));
  const builtIn = `${EXPORT_FORMATS.slice(0, -1).join(', ')} or ${EXPORT_FORMATS.at(-1)}`;
  const plugins = exporters.length ? `an exporter plugin in daemon.yaml (${exporters.join(', ')})` : 'an exporter plugin declared in daemon.yaml (it declares none)';
  if (kinds === null) {
    const close = suggest(p.format, [...EXPORT_FORMATS, ...exporters]);
    throw new SentinelError('INVALID_ARGUMENT', `export ${JSON.stringify(p.format)}: expected ${builtIn}, or ${plugins}${close ? `; did you mean "${close}"?` : ''}`);
  }
  if (kinds.length > 0 && !kinds.includes('exporter')) {
    throw new SentinelError('INVALID_ARGUMENT', `export ${p.format}: plugin "${p.format}" is not an exporter plugin (it serves ${kinds.join(', ')}); expected ${builtIn}, or ${plugins}`);
  }
  if (p.image !== undefined || p.images !== undefined) throw new SentinelError('INVALID_ARGUMENT', `--image goes with kubernetes, nomad and compose; an exporter plugin takes its settings from its options in daemon.yaml`);
}

/** An exporter plugin's files: its render() answer, checked by the plugin host (paths inside the output directory). */
async function renderWithPlugin(d: Daemon, name: string, source: Source): Promise<{ files: ExportFile[]; warnings: string[] }> {
  // the stored specs as they are (secrets as ${secret:NAME} references), without Sentinel's own variables
  const processes = source.specs.map((spec) => ({
    name: spec.name,
    spec: JSON.parse(JSON.stringify({ ...spec, env: Object.fromEntries(Object.entries(spec.env).filter(([k]) => !isSentinelVariable(k))) })) as Record<string, unknown>,
  }));
  const answer = await d.plugins.render(name, { processes });
  const warnings = source.schedules.map((s) => `schedules.${s.name} not carried: an exporter plugin is given processes only`);
  return { files: answer.files.map((f) => ({ process: null, file: f.path, content: f.content })), warnings: [...(answer.warnings ?? []), ...warnings] };
}

export function exportOps(d: Daemon): Handlers<'export.units'> {
  return {
    async 'export.units'(p) {
      if (!isBuiltIn(p.format)) checkPluginFormat(d, p);
      const source = p.file !== undefined ? await fromFile({ ...p, file: p.file }) : await fromDaemon(d, p.names);
      if (!isBuiltIn(p.format)) return renderWithPlugin(d, p.format, source);
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
