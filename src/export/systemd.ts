// Systemd units: one per managed process (`sentinel export systemd`), for users who want systemd itself to own
// them. Pure functions of the stored spec: the restart policy, stop signal and timeout, user, priority,
// environment, working directory and dependencies are mapped; what systemd has no equivalent for is listed
// in a comment at the top of the unit instead of being dropped silently.
import { runtimeExec } from './runtime-exec.js';
import type { ProcessSpec } from '../core/spec.js';

/** The unit's file name for a process: sentinel-NAME.service (NAME escaped as systemd wants). */
export function unitName(name: string): string {
  return `sentinel-${systemdEscape(name)}.service`;
}

/** systemd-escape: keeps [A-Za-z0-9:_.], turns "/" into "-" and any other byte into \xNN. */
export function systemdEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9:_]/.test(ch) || (ch === '.' && out !== '')) out += ch;
    else if (ch === '/') out += '-';
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

/** One argument of ExecStart=, quoted for systemd's own command-line parser ("$" and "%" doubled). */
export function execArg(arg: string): string {
  const escaped = arg.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (escaped !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(escaped)) return escaped;
  return `"${escaped.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** One Environment= assignment, quoted as a whole. Specifiers (%) are doubled. */
function envAssignment(key: string, value: string): string {
  const text = `${key}=${value}`.replace(/%/g, '%%');
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms)) / 1000}s`;
}

export interface UnitOptions {
  /** Absolute path of /bin/sh used for shell commands. */
  shell?: string;
  /** Environment variables not written into the unit (e.g. those of the exporting shell). */
  dropEnv?: (key: string) => boolean;
  /** The absolute path of a bare command name (systemd before 239 wants one). */
  which?: (command: string, env: Record<string, string>) => string | null;
}

/** Variables a login shell sets about itself, meaningless in a unit. */
const SHELL_NOISE = new Set(['_', 'OLDPWD', 'PWD', 'SHLVL']);

/** Renders one process as a systemd service unit. */
export function processUnit(spec: ProcessSpec, opts: UnitOptions = {}): string {
  const notMapped: string[] = [];
  const unit: string[] = [`Description=${oneLine(spec.name)} (exported from Sentinel)`];
  const deps = Object.keys(spec.source.dependsOn).sort();
  if (deps.length) {
    const names = deps.map(unitName).join(' ');
    unit.push(`Requires=${names}`, `After=${names}`);
    const conditional = deps.filter((d) => spec.source.dependsOn[d] !== 'started');
    if (conditional.length) notMapped.push(`depends_on conditions (${conditional.map((d) => `${d}: ${spec.source.dependsOn[d]}`).join(', ')}) are ordering only`);
  }
  unit.push('After=network.target');

  const service: string[] = ['Type=simple'];
  const command = !spec.shell && !spec.command.includes('/') ? opts.which?.(spec.command, spec.env) ?? spec.command : spec.command;
  const argv = spec.shell ? [opts.shell ?? '/bin/sh', '-c', spec.command] : [command, ...spec.args];
  // a container runs through its runtime's client and is stopped and removed through it; a Nix process in nix-shell
  const runtime = runtimeExec(spec);
  service.push(`ExecStart=${(runtime?.start ?? argv).map(execArg).join(' ')}`);
  for (const stop of runtime?.stop ?? []) service.push(`ExecStop=${stop.map(execArg).join(' ')}`);
  for (const post of runtime?.stopPost ?? []) service.push(`ExecStopPost=-${post.map(execArg).join(' ')}`);
  service.push(`WorkingDirectory=${execArg(spec.cwd)}`);
  for (const [k, v] of Object.entries(spec.env).sort(([a], [b]) => a.localeCompare(b))) {
    if (k.startsWith('SENTINEL_') || SHELL_NOISE.has(k) || opts.dropEnv?.(k)) continue;
    service.push(`Environment=${envAssignment(k, v)}`);
  }
  if (spec.port !== null) service.push(`Environment=${envAssignment('PORT', String(spec.port))}`);

  const r = spec.restart;
  service.push(`Restart=${r.mode === 'always' ? 'always' : r.mode === 'on-failure' ? 'on-failure' : 'no'}`);
  if (r.mode !== 'never') {
    service.push(`RestartSec=${seconds(r.delayMs)}`);
    if (r.backoff === 'exponential') {
      // systemd 254+ has RestartSteps/RestartMaxDelaySec; older ones ignore unknown keys with a warning
      notMapped.push(`exponential backoff up to ${seconds(r.backoffMaxMs)} (RestartSteps/RestartMaxDelaySec need systemd 254)`);
    }
    if (r.maxRestarts > 0) {
      // StartLimitBurst counts starts within the interval; a window of 0 (since the last stable run) has no equivalent: use 10 min
      unit.push(`StartLimitIntervalSec=${r.windowMs > 0 ? seconds(r.windowMs) : '600s'}`, `StartLimitBurst=${r.maxRestarts + 1}`);
    } else unit.push('StartLimitIntervalSec=0');
    if (r.noRestartExitCodes.length) service.push(`RestartPreventExitStatus=${r.noRestartExitCodes.join(' ')}`);
    if (r.exitCodes.length) notMapped.push(`restart only on exit codes ${r.exitCodes.join(', ')}`);
  }
  service.push(`KillSignal=${spec.stopSignal}`, `TimeoutStopSec=${seconds(spec.stopTimeoutMs)}`, 'KillMode=control-group');
  if (spec.identity.user) service.push(`User=${spec.identity.user}`);
  if (spec.identity.group) service.push(`Group=${spec.identity.group}`);
  if (spec.identity.nice !== null) service.push(`Nice=${spec.identity.nice}`);
  if (spec.identity.ionice) {
    const [cls, level] = spec.identity.ionice.split(':');
    service.push(`IOSchedulingClass=${cls}`);
    if (level !== undefined) service.push(`IOSchedulingPriority=${level}`);
  }
  if (spec.limits.maxMemoryBytes !== null) notMapped.push(`restart above ${spec.limits.maxMemoryBytes} bytes of memory (a threshold, not a limit: MemoryMax= would kill instead)`);
  if (spec.limits.maxCpu) notMapped.push(`restart above ${spec.limits.maxCpu.percent}% CPU`);
  if (spec.instances > 1) notMapped.push(`${spec.instances} instances (make a template unit sentinel-NAME@.service to run several)`);
  if (spec.readiness) notMapped.push('readiness checks');
  if (spec.liveness) notMapped.push('liveness checks');
  if (spec.restartCron) notMapped.push(`restart on cron "${spec.restartCron.cron}" (a .timer unit can do it)`);
  if (spec.wrap) notMapped.push(`the runtime plugin ${spec.wrap.plugin} (wrap:) that Sentinel asks before each start; ExecStart= runs the command as it is`);
  if (spec.watch) notMapped.push(`restart on changes under ${spec.watch.paths.join(', ')} (a .path unit with PathModified= can do it)`);
  service.push(`StandardOutput=journal`, `StandardError=journal`);

  const head = ['# Generated by "sentinel export systemd" from the process ' + JSON.stringify(spec.name) + '.'];
  if (notMapped.length) head.push('# Not mapped (systemd has no direct equivalent):', ...notMapped.map((n) => `#   - ${oneLine(n)}`));
  return [...head, '', '[Unit]', ...unit, '', '[Service]', ...service, '', '[Install]', 'WantedBy=multi-user.target', ''].join('\n');
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}
