// Which supervisor a file belongs to, and one entry point to import any of them.
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { ProcessPartial } from '../schema-process.js';
import { SentinelError } from '../../core/errors.js';
import type { ImportResult } from './common.js';
import { importCompose } from './compose.js';
import { importPm2 } from './pm2.js';
import { importProcessCompose } from './process-compose.js';
import { importProcfile } from './procfile.js';
import { importSupervisord } from './supervisord.js';
import { rebasePaths } from './rebase.js';

export type { ImportResult } from './common.js';
export { importCompose, importPm2, importProcessCompose, importProcfile, importSupervisord };

export type ForeignFormat = 'procfile' | 'pm2' | 'compose' | 'process-compose' | 'supervisord';
export const IMPORT_FORMATS: readonly ForeignFormat[] = ['procfile', 'pm2', 'compose', 'process-compose', 'supervisord'];

/** Top-level sections only a sentinel.yaml has. */
const SENTINEL_SECTIONS = ['$schema', 'include', 'groups', 'ports', 'notifications', 'schedules', 'templates', 'environments'];
/** Keys of a process-compose process (or of its top level) that Sentinel does not use. */
const PC_PROCESS_KEYS = new Set([
  'availability', 'readiness_probe', 'liveness_probe', 'working_dir', 'is_daemon', 'log_location', 'namespace', 'shutdown',
  'disabled', 'is_tty', 'replicas', 'description', 'environment', 'entrypoint', 'is_elevated', 'is_foreground', 'ready_log_line',
  'launch_timeout', 'vars', 'disable_ansi_colors', 'is_interactive', 'log_configuration',
]);
const PC_TOP_KEYS = new Set(['log_location', 'log_level', 'log_length', 'log_configuration', 'environment', 'shell', 'is_strict', 'vars', 'env_cmds', 'ordered_shutdown', 'disable_env_expansion', 'is_tui_disabled']);
/** Keys of a sentinel process that a process-compose process does not have. */
const SENTINEL_PROCESS_KEYS = new Set(Object.keys(ProcessPartial.shape).filter((k) => !['command', 'depends_on'].includes(k)));

/**
 * YAML and JSON files by their content (a file's name says little: `import -o compose-sentinel.yaml`
 * is a sentinel.yaml); the rest, and files whose content does not tell, by name.
 */
export function detectFormat(path: string, text: string, parsed?: { doc: unknown } | null): ForeignFormat | 'sentinel' {
  const name = basename(path).toLowerCase();
  const ext = extname(name);
  if (['.yaml', '.yml', '.json'].includes(ext)) {
    // `parsed`: the document the caller already read (null: it does not parse), so the text is not parsed twice
    const byContent = parsed === undefined ? formatOfContent(text) : parsed === null ? null : formatOfDoc(parsed.doc);
    if (byContent !== null) return byContent;
  }
  if (/^procfile(\..+)?$/.test(name)) return 'procfile';
  if (/^(ecosystem|pm2)([.-].*)?\.(c?js|mjs|json|ya?ml)$/.test(name)) return 'pm2';
  if (/^process-compose([.-].*)?\.ya?ml$/.test(name)) return 'process-compose';
  if (/^(docker-)?compose([.-].*)?\.ya?ml$/.test(name)) return 'compose';
  if (/^supervisord?([.-].*)?\.conf$/.test(name) || ((ext === '.conf' || ext === '.ini') && /^\[program:/m.test(text))) return 'supervisord';
  return 'sentinel';
}

/** The format a YAML/JSON document's keys show, or null when they do not tell (or it does not parse). */
export function formatOfContent(text: string): ForeignFormat | 'sentinel' | null {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return null;
  }
  return formatOfDoc(doc);
}

/** The format a parsed YAML/JSON document's keys show, or null when they do not tell. */
export function formatOfDoc(doc: unknown): ForeignFormat | 'sentinel' | null {
  if (!isObject(doc)) return null;
  const top = Object.keys(doc);
  if (top.some((k) => SENTINEL_SECTIONS.includes(k))) return 'sentinel';
  if ('apps' in doc && !('processes' in doc)) return 'pm2';
  if ('services' in doc && !('processes' in doc)) return 'compose';
  if (!isObject(doc.processes)) return null;
  // both sentinel and process-compose have `processes:`: the keys inside tell them apart
  let pc = top.filter((k) => PC_TOP_KEYS.has(k)).length;
  let sentinel = 0;
  for (const entry of Object.values(doc.processes)) {
    if (!isObject(entry)) continue;
    for (const key of Object.keys(entry)) {
      if (PC_PROCESS_KEYS.has(key)) pc++;
      else if (SENTINEL_PROCESS_KEYS.has(key)) sentinel++;
    }
  }
  if (pc !== sentinel) return pc > sentinel ? 'process-compose' : 'sentinel';
  // process-compose versions are "0.5" and the like; ours is 1
  if (doc.version !== undefined) return doc.version === 1 || doc.version === '1' ? 'sentinel' : 'process-compose';
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const IMPORTERS: Record<ForeignFormat, (text: string, filename: string) => ImportResult> = {
  procfile: importProcfile,
  pm2: importPm2,
  compose: importCompose,
  'process-compose': importProcessCompose,
  supervisord: importSupervisord,
};

export function importText(format: ForeignFormat, text: string, filename: string): ImportResult {
  return IMPORTERS[format](text, filename);
}

/**
 * Reads and converts a file of another supervisor; `format` overrides detection. With `outputDir`,
 * relative paths are rewritten for a sentinel.yaml written there instead of next to the file.
 */
export function importFile(path: string, format?: ForeignFormat, options: { outputDir?: string } = {}): ImportResult & { format: ForeignFormat } {
  const text = readFileSync(path, 'utf8');
  const detected = format ?? detectFormat(path, text);
  if (detected === 'sentinel') {
    throw new SentinelError('IMPORT_FAILED', `${basename(path)}: not a Procfile, PM2 ecosystem, compose, process-compose or supervisord file; name the format with --format`);
  }
  const result = importText(detected, text, path);
  if (options.outputDir !== undefined) result.config = rebasePaths(result.config, dirname(resolve(path)), options.outputDir);
  return { ...result, format: detected };
}

/** The sentinel.yaml text `sentinel import` writes, with what could not be mapped as comments on top. */
export function formatImported(result: ImportResult, source: string): string {
  const notes = result.warnings.map((w) => `#   - ${w}`);
  const header = [`# Imported from ${source} by sentinel import.`, ...(notes.length > 0 ? ['# Not mapped or changed:', ...notes] : [])];
  return `${header.join('\n')}\n${stringify(result.config, { lineWidth: 0 })}`;
}
