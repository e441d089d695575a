// Which supervisor a file belongs to, and one entry point to import any of them.
import { readFileSync } from 'node:fs';
import { basename, dirname, extname, resolve } from 'node:path';
import { stringify } from 'yaml';
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

/** By name first (Procfile, ecosystem.config.js, docker-compose.yml...), then by content. */
export function detectFormat(path: string, text: string): ForeignFormat | 'sentinel' {
  const name = basename(path).toLowerCase();
  const ext = extname(name);
  if (/^procfile(\..+)?$/.test(name)) return 'procfile';
  if (/^(ecosystem|pm2)([.-].*)?\.(c?js|mjs|json|ya?ml)$/.test(name)) return 'pm2';
  if (/^process-compose([.-].*)?\.ya?ml$/.test(name)) return 'process-compose';
  if (/^(docker-)?compose([.-].*)?\.ya?ml$/.test(name)) return 'compose';
  if (/^supervisord?([.-].*)?\.conf$/.test(name) || ((ext === '.conf' || ext === '.ini') && /^\[program:/m.test(text))) return 'supervisord';
  if (['.yaml', '.yml', '.json'].includes(ext)) {
    if (/^services\s*:/m.test(text) && !/^processes\s*:/m.test(text)) return 'compose';
    if (/^apps\s*:/m.test(text) || /^\s*\{\s*"apps"\s*:/.test(text)) return 'pm2';
    if (/^processes\s*:/m.test(text) && /^\s+(availability|readiness_probe|liveness_probe|working_dir|is_daemon)\s*:/m.test(text)) return 'process-compose';
  }
  return 'sentinel';
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
