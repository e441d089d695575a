// Procfile (Heroku, foreman, honcho): one `name: command` per line.
import { basename } from 'node:path';
import { escapeInterpolation, toName, type ImportResult } from './common.js';

export function importProcfile(text: string, path: string): ImportResult {
  const filename = basename(path);
  const processes: Record<string, Record<string, unknown>> = {};
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (/^\s*(#|$)/.test(line)) return;
    const match = line.match(/^\s*([A-Za-z0-9_.-]+)\s*:\s*(.+?)\s*$/);
    if (!match) {
      warnings.push(`${filename}:${i + 1}: not a "name: command" line, skipped: ${line.trim()}`);
      return;
    }
    const name = toName(match[1]);
    // the shell expands $… when the process starts (`${PORT:-5000}` included), not sentinel.yaml at load;
    // Heroku and foreman give every process a PORT, so every process gets one
    const proc: Record<string, unknown> = { command: escapeInterpolation(match[2]), restart: 'on-failure', port: 'auto' };
    if (name === 'release') {
      proc.restart = 'never';
      proc.autostart = false;
      warnings.push(`${filename}:${i + 1}: "release" runs once per deploy on Heroku; imported with autostart: false and restart: never`);
    }
    if (processes[name]) warnings.push(`${filename}:${i + 1}: "${name}" is defined twice; the later line wins`);
    processes[name] = proc;
  });
  return { config: { processes }, warnings };
}
