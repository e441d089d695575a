// supervisord.conf (INI): [program:x] sections become processes, [group:x] sections groups.
import { basename } from 'node:path';
import { SentinelError } from '../../core/errors.js';
import { escapeInterpolation, processName, seconds, shellJoin, shellSplit, signalName, toName, type ImportResult } from './common.js';

type Section = { name: string; line: number; values: Record<string, string> };

/** INI as supervisord reads it: `;`/`#` comments, `key = value`, indented continuation lines. */
export function parseIni(text: string, filename: string): Section[] {
  const sections: Section[] = [];
  let current: Section | undefined;
  let lastKey: string | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (/^\s*[;#]/.test(raw) || raw.trim() === '') return;
    const line = raw.replace(/\s+;.*$/, '');
    const header = line.match(/^\[\s*([^\]]+?)\s*\]/);
    if (header) {
      current = { name: header[1], line: i + 1, values: {} };
      sections.push(current);
      lastKey = undefined;
      return;
    }
    if (/^\s/.test(line) && current && lastKey) {
      current.values[lastKey] += `\n${line.trim()}`;
      return;
    }
    const kv = line.match(/^([^=:]+?)\s*[=:]\s*(.*)$/);
    if (!kv || !current) throw new SentinelError('IMPORT_FAILED', `${basename(filename)}:${i + 1}: expected "key = value" inside a [section], got ${JSON.stringify(line.trim())}`);
    lastKey = kv[1].trim().toLowerCase();
    current.values[lastKey] = kv[2].trim();
  });
  return sections;
}

// %(ENV_X)s stands in the text as this token until the value is written for sentinel.yaml
const ENV_OPEN = '\u0001';
const ENV_CLOSE = '\u0002';
const ENV_TOKEN = /\u0001([A-Za-z_][A-Za-z0-9_]*)\u0002/g;

/** Literal supervisord text (no `$` expansion there) with its %(ENV_X)s read by sentinel.yaml at load. */
function loadTimeText(text: string): string {
  return escapeInterpolation(text).replace(ENV_TOKEN, (_m, name: string) => `\${${name}}`);
}

/** supervisord's %(name)s expressions: program_name and ENV_X are understood, the rest reported. */
function expand(value: string, program: string, where: string, warnings: string[], processNum = '0'): string {
  // Python's % formatting: %% is a literal %
  return value.replace(/%%|%\(([A-Za-z0-9_]+)\)[sd0-9]*/g, (whole, key: string | undefined) => {
    if (key === undefined) return '%';
    if (key === 'program_name' || key === 'group_name') return program;
    if (key === 'here') return '.';
    if (key.startsWith('ENV_')) return `${ENV_OPEN}${key.slice(4)}${ENV_CLOSE}`;
    if (key === 'process_num') {
      // a zero-padded width (%(process_num)02d) travels in the placeholder: SENTINELPROCESSNUM2W
      const width = whole.slice(whole.indexOf(')') + 1).match(/^0(\d+)d$/)?.[1];
      return processNum === '0' || width === undefined ? processNum : `${processNum}${width}W`;
    }
    warnings.push(`${where}: ${whole} is not understood; left as written`);
    return whole;
  });
}

/** environment=A="1",B='two',C=3 */
function parseEnvironment(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of value.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^,]*)\s*,?/g)) {
    out[m[1]] = m[2].replace(/^"(.*)"$/s, '$1').replace(/^'(.*)'$/s, '$1').trim();
  }
  return out;
}

/**
 * A command holding %(ENV_X)s: supervisord puts the value in the text, then splits it, so a value
 * may give several arguments or (empty) none. Where every value stands in quotes it is one argument:
 * argv with ${X} read by sentinel.yaml at load. Otherwise a shell line: each word's literal text
 * single-quoted, each value ${X}, in double quotes where the original quoted it, bare where it did
 * not (so the shell splits it, as supervisord would).
 */
function envCommand(text: string): { command: string } | { argv: string[] } {
  const UNQUOTED_OPEN = '\u0003';
  const UNQUOTED_CLOSE = '\u0004';
  let marked = '';
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === ENV_OPEN && quote === null) {
      const close = text.indexOf(ENV_CLOSE, i);
      marked += `${UNQUOTED_OPEN}${text.slice(i + 1, close)}${UNQUOTED_CLOSE}`;
      i = close;
      continue;
    }
    marked += ch;
    if (quote === null && ch === '\\' && i + 1 < text.length) marked += text[++i];
    else if (quote === '"' && ch === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) marked += text[++i];
    else if (quote === null && (ch === '"' || ch === "'")) quote = ch;
    else if (quote !== null && ch === quote) quote = null;
  }
  if (!marked.includes(UNQUOTED_OPEN)) return { argv: shellSplit(marked, 'shlex').map(loadTimeText) };
  const piece = /\u0001([A-Za-z0-9_]+)\u0002|\u0003([A-Za-z0-9_]+)\u0004|[^\u0001\u0003]+/g;
  const command = shellSplit(marked, 'shlex')
    .map((word) => [...word.matchAll(piece)].map((m) => (m[1] ? `"\${${m[1]}}"` : m[2] ? `\${${m[2]}}` : escapeInterpolation(shellJoin([m[0]])))).join(''))
    .join(' ');
  return { command };
}

const HANDLED = ['command', 'directory', 'environment', 'autorestart', 'startsecs', 'startretries', 'stopsignal', 'stopwaitsecs', 'exitcodes', 'user', 'autostart'];
const LOG_KEYS = /^(stdout|stderr)_(logfile|logfile_maxbytes|logfile_backups|capture_maxbytes|events_enabled|syslog)$|^redirect_stderr$/;

function mapProgram(name: string, v: Record<string, string>, warnings: string[]): Record<string, unknown> {
  const x = (value: string): string => expand(value, name, `program:${name}`, warnings);
  const numprocs = Number(v.numprocs ?? 1);
  const start = Number(v.numprocs_start ?? 0);
  // numprocs copies: %(process_num)s becomes the instance number (offset by numprocs_start), read by the shell
  const num = start === 0 ? '$SENTINEL_INSTANCE' : `$((SENTINEL_INSTANCE + ${start}))`;
  const usesNum = /%\(process_num\)/.test(v.command);
  const TOKEN = 'SENTINELPROCESSNUM';
  const shellNum = (width: string | undefined) => (width ? `$(printf %0${width}d ${num.replace(/^\$(?!\()/, '$')})` : num);
  const placeholder = new RegExp(`${TOKEN}(?:(\\d+)W)?`, 'g');
  let proc: Record<string, unknown>;
  if (numprocs > 1 && usesNum) {
    const words = shellSplit(expand(v.command, name, `program:${name}`, warnings, TOKEN), 'shlex');
    proc = { command: loadTimeText(shellJoin(words).replace(/'[^']*'|[^\s']+/g, (w) =>
      w.replace(placeholder, (_m, width: string | undefined) => (w.startsWith("'") ? `'"${shellNum(width)}"'` : `"${shellNum(width)}"`)))) };
  } else if (/%\(ENV_/.test(v.command)) {
    proc = envCommand(x(v.command));
  } else {
    proc = { argv: shellSplit(x(v.command), 'shlex').map(loadTimeText) };
  }
  if (Number.isInteger(numprocs) && numprocs > 1) proc.instances = numprocs;
  else if (!Number.isInteger(numprocs) || numprocs < 1) {
    warnings.push(`program:${name}: numprocs=${v.numprocs} is not a whole number known when importing; imported as one instance (set instances: N)`);
  }
  if (v.directory) proc.cwd = loadTimeText(x(v.directory));
  if (v.environment) proc.env = Object.fromEntries(Object.entries(parseEnvironment(v.environment)).map(([k, val]) => [k, loadTimeText(x(val))]));
  const exitcodes = (v.exitcodes ?? '0').split(',').map((c) => Number(c.trim())).filter((c) => Number.isInteger(c));
  const mode = (v.autorestart ?? 'unexpected').toLowerCase();
  const restart: Record<string, unknown> = { policy: mode === 'true' ? 'always' : mode === 'false' ? 'never' : 'on-failure' };
  if (restart.policy === 'on-failure') restart.no_restart_exit_codes = exitcodes; // "unexpected" = not in exitcodes
  restart.min_uptime = seconds(Number(v.startsecs ?? 1));
  // supervisord gives up (FATAL) after startretries failed starts, 3 unless set; a run of startsecs resets the count
  if (restart.policy !== 'never') restart.max_restarts = Number(v.startretries ?? 3);
  proc.restart = restart;
  if (v.stopsignal) proc.stop_signal = signalName(v.stopsignal);
  if (v.stopwaitsecs !== undefined) proc.stop_timeout = seconds(Number(v.stopwaitsecs));
  if (v.user) proc.user = v.user;
  if (v.autostart?.toLowerCase() === 'false') proc.autostart = false;
  if (v.priority !== undefined) warnings.push(`program:${name}: priority is not mapped; use depends_on to order start-up`);
  const logs = Object.keys(v).filter((k) => LOG_KEYS.test(k));
  if (logs.length > 0) warnings.push(`program:${name}: ${logs.join(', ')} not mapped; Sentinel keeps logs itself (log.max_size, log.keep)`);
  const rest = Object.keys(v).filter((k) => !HANDLED.includes(k) && !LOG_KEYS.test(k) && k !== 'numprocs' && k !== 'numprocs_start' && k !== 'priority' && k !== 'process_name');
  if (rest.length > 0) warnings.push(`program:${name}: not mapped: ${rest.join(', ')}`);
  return proc;
}

export function importSupervisord(text: string, filename: string): ImportResult {
  const warnings: string[] = [];
  const processes: Record<string, unknown> = {};
  const groups: Record<string, { processes: string[] }> = {};
  for (const section of parseIni(text, filename)) {
    const [kind, rawName = ''] = section.name.split(':');
    const name = toName(rawName);
    if (kind === 'program') {
      if (!section.values.command) {
        warnings.push(`[program:${rawName}] has no command; skipped`);
        continue;
      }
      processes[processName(rawName, warnings)] = mapProgram(rawName, section.values, warnings);
    } else if (kind === 'group') {
      groups[name] = { processes: (section.values.programs ?? '').split(',').map((p) => toName(p)).filter((p) => p.length > 0) };
      if (section.values.priority !== undefined) warnings.push(`[group:${rawName}] priority is not mapped; use depends_on between groups`);
    } else if (kind === 'include') {
      warnings.push(`[include] files=${section.values.files ?? ''} not followed; import those files too`);
    } else if (kind === 'eventlistener' || kind === 'fcgi-program') {
      warnings.push(`[${section.name}] ${kind} sections are not supported; skipped`);
    }
    // [supervisord], [supervisorctl], [unix_http_server], [inet_http_server], [rpcinterface:x] configure supervisord itself
  }
  // a program in a group runs under it in supervisord; Sentinel takes membership from groups.processes
  const defined = Object.keys(processes);
  const elsewhere = Object.values(groups).flatMap((g) => g.processes).filter((p) => !defined.includes(p));
  if (defined.length === 0 && elsewhere.length > 0) {
    throw new SentinelError('IMPORT_FAILED', `${basename(filename)}: holds only [group:] sections; their programs (${[...new Set(elsewhere)].join(', ')}) are defined in other files. Import the file with the [program:] sections, or put them together in one file`);
  }
  for (const [group, g] of Object.entries(groups)) {
    const missing = g.processes.filter((p) => !defined.includes(p));
    if (missing.length > 0) warnings.push(`[group:${group}] programs ${missing.join(', ')} are not in this file; left out of the group`);
    g.processes = g.processes.filter((p) => defined.includes(p));
    if (g.processes.length === 0) delete groups[group];
  }
  const config: Record<string, unknown> = { processes };
  if (Object.keys(groups).length > 0) config.groups = groups;
  return { config, warnings };
}
