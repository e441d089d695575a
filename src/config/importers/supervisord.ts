// supervisord.conf (INI): [program:x] sections become processes, [group:x] sections groups.
import { basename } from 'node:path';
import { SentinelError } from '../../core/errors.js';
import { seconds, shellJoin, shellSplit, signalName, toName, type ImportResult } from './common.js';

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

/** supervisord's %(name)s expressions: program_name and ENV_X are understood, the rest reported. */
function expand(value: string, program: string, where: string, warnings: string[], processNum = '0'): string {
  return value.replace(/%\(([A-Za-z0-9_]+)\)[sd0-9]*/g, (whole, key: string) => {
    if (key === 'program_name' || key === 'group_name') return program;
    if (key === 'here') return '.';
    if (key.startsWith('ENV_')) return `\${${key.slice(4)}}`;
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
  const proc: Record<string, unknown> = numprocs > 1 && usesNum
    ? { command: shellJoin(shellSplit(expand(v.command, name, `program:${name}`, warnings, TOKEN))).replace(/'[^']*'|[^\s']+/g, (w) =>
        w.replace(placeholder, (_m, width: string | undefined) => (w.startsWith("'") ? `'"${shellNum(width)}"'` : `"${shellNum(width)}"`))) }
    : { argv: shellSplit(x(v.command)) };
  if (Number.isInteger(numprocs) && numprocs > 1) proc.instances = numprocs;
  if (v.directory) proc.cwd = x(v.directory);
  if (v.environment) proc.env = Object.fromEntries(Object.entries(parseEnvironment(v.environment)).map(([k, val]) => [k, x(val)]));
  const exitcodes = (v.exitcodes ?? '0').split(',').map((c) => Number(c.trim())).filter((c) => Number.isInteger(c));
  const mode = (v.autorestart ?? 'unexpected').toLowerCase();
  const restart: Record<string, unknown> = { policy: mode === 'true' ? 'always' : mode === 'false' ? 'never' : 'on-failure' };
  if (restart.policy === 'on-failure') restart.no_restart_exit_codes = exitcodes; // "unexpected" = not in exitcodes
  restart.min_uptime = seconds(Number(v.startsecs ?? 1));
  if (v.startretries !== undefined) restart.max_restarts = Number(v.startretries);
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
      processes[name] = mapProgram(rawName, section.values, warnings);
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
  const config: Record<string, unknown> = { processes };
  if (Object.keys(groups).length > 0) config.groups = groups;
  return { config, warnings };
}
