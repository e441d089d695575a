// Step 1: read one file by its format. Files of other supervisors (Procfile, PM2, compose,
// process-compose, supervisord) go through their importer, so `up -f Procfile` works directly.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { ConfigIssue } from './issues.js';
import { readJson, readToml } from './read-toml.js';
import { readYaml, type ReadResult } from './read-yaml.js';
import { pathKey } from './source-map.js';
import { detectFormat, importText, type ForeignFormat } from './importers/index.js';

export type { ReadResult } from './read-yaml.js';

export type ConfigFormat = ForeignFormat | 'sentinel';

export interface ReadFileResult extends ReadResult {
  warnings: string[];
}

function parseByExtension(text: string, absPath: string, display: string): ReadResult {
  const ext = extname(absPath).toLowerCase();
  if (ext === '.toml') return readToml(text, display);
  if (ext === '.json') return readJson(text, display);
  return readYaml(text, display);
}

/** `format` overrides what the file's content (or name) says. */
export function readConfigSource(absPath: string, display: string, format?: ConfigFormat): ReadFileResult {
  let text: string;
  try {
    text = readFileSync(absPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code})`;
    const issue: ConfigIssue = { path: [], message: `${display}: ${why}`, loc: undefined };
    return { data: undefined, map: new Map(), issues: [issue], warnings: [] };
  }
  // a YAML or JSON file is parsed once: its document both tells the format and is the result
  const ext = extname(absPath).toLowerCase();
  const parsed = format === undefined && ['.yaml', '.yml', '.json'].includes(ext) ? parseByExtension(text, absPath, display) : undefined;
  const detected = format ?? detectFormat(absPath, text, parsed === undefined ? undefined : parsed.issues.length > 0 ? null : { doc: parsed.data });
  if (detected !== 'sentinel') {
    try {
      const imported = importText(detected, text, absPath);
      const map = new Map([[pathKey([]), { value: { file: display, line: 0, col: 0 } }]]);
      return { data: imported.config, map, issues: [], warnings: imported.warnings.map((w) => `${display}: ${w}`) };
    } catch (err) {
      const issue: ConfigIssue = { path: [], message: (err as Error).message, loc: { file: display, line: 0, col: 0 } };
      return { data: undefined, map: new Map(), issues: [issue], warnings: [] };
    }
  }
  return { ...(parsed ?? parseByExtension(text, absPath, display)), warnings: [] };
}
