// Turns run parameters (from the CLI, the API or a config file) into a validated ProcessSpec.
import os from 'node:os';
import path from 'node:path';
import { SentinelError } from '../../core/errors.js';
import { parseSize } from '../../core/duration.js';
import { DEFAULT_RESTART_POLICY, DEFAULTS, emptySections, type ProcessSpec, type RestartMode } from '../../core/spec.js';
import { buildEnv } from '../../core/env.js';
import { nameFromCommand, validateName } from '../../core/names.js';
import { restartPolicyFromParams } from './policy.js';
import { healthSectionsFromParams } from './health-params.js';
import { validateCron, validateTimeZone } from '../../scheduler/schedule.js';
import { splitUserGroup, validateIonice, validateNice } from '../../isolation/identity.js';
import { optBool, optDuration, optNumber, optString, optStringArray, optStringMap, parseEnvPairs, type Params } from '../params.js';

const SIGNALS = new Set(Object.keys(os.constants.signals));

export function parseSignal(value: string): NodeJS.Signals {
  const upper = value.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (!SIGNALS.has(name)) {
    throw new SentinelError('INVALID_ARGUMENT', `stop signal ${JSON.stringify(value)} is not a known signal; use a name like SIGTERM, SIGINT or SIGQUIT`);
  }
  return name as NodeJS.Signals;
}

export function parseRestartMode(value: unknown): RestartMode {
  if (value === undefined || value === null || value === false) return 'never';
  if (value === true || value === '') return 'always';
  if (value === 'never' || value === 'on-failure' || value === 'always') return value;
  throw new SentinelError('INVALID_ARGUMENT', `restart policy ${JSON.stringify(value)} is not known; use never, on-failure or always (e.g. --restart on-failure)`);
}

export interface SpecContext {
  groupEnv: (group: string) => Record<string, string>;
  globalEnvFile: string;
  takenNames: (name: string) => boolean;
}

/** Builds a spec from run parameters. Numbers for durations are milliseconds. */
export function specFromParams(p: Params, ctx: SpecContext): ProcessSpec {
  const command = optString(p, 'command');
  const args = optStringArray(p, 'args') ?? [];
  if (command === undefined || command.trim() === '') {
    throw new SentinelError('INVALID_ARGUMENT', 'no command given; e.g. sentinel run "python server.py" or sentinel run --name web -- node server.js');
  }
  const shell = optBool(p, 'shell') ?? args.length === 0;
  const cwd = path.resolve(optString(p, 'cwd') ?? process.cwd());
  let name = optString(p, 'name');
  if (name !== undefined) validateName(name, 'process name');
  else {
    const base = nameFromCommand(shell ? command : path.basename(command));
    name = base;
    for (let i = 2; ctx.takenNames(name); i++) name = `${base}-${i}`;
  }
  const group = optString(p, 'group') ?? null;
  if (group !== null) validateName(group, 'group name');
  const clientEnv = optStringMap(p, 'env') ?? {};
  const keepEnv = optStringArray(p, 'keepEnv') ?? null;
  const envFiles = (optStringArray(p, 'envFiles') ?? []).map((f) => path.resolve(cwd, f));
  const envFlags = parseEnvPairs(optStringArray(p, 'envVars') ?? []);
  const env = buildEnv({
    clientEnv,
    keepOnly: keepEnv,
    globalEnvFile: ctx.globalEnvFile,
    projectEnvFile: optBool(p, 'projectEnv') === false ? null : path.join(cwd, '.env'),
    groupEnv: group ? ctx.groupEnv(group) : {},
    envFiles,
    envFlags,
  });
  const waitMs = optBool(p, 'noWait') ? 0 : optDuration(p, 'wait', '--wait');
  const logMax = p.logMaxSize;
  const logKeep = optNumber(p, 'logKeep');
  if (logKeep !== undefined && (!Number.isInteger(logKeep) || logKeep < 0 || logKeep > 1000)) {
    throw new SentinelError('INVALID_ARGUMENT', `--log-keep ${logKeep}: expected a whole number from 0 to 1000 (e.g. --log-keep 5)`);
  }
  const stopTimeoutMs = optDuration(p, 'stopTimeout', '--stop-timeout');
  return {
    name,
    command,
    args: shell ? [] : args,
    shell,
    cwd,
    env,
    group,
    restart: restartPolicyFromParams(p, { ...DEFAULT_RESTART_POLICY, mode: parseRestartMode(p.restart) }),
    stopSignal: optString(p, 'stopSignal') ? parseSignal(optString(p, 'stopSignal')!) : DEFAULTS.stopSignal,
    stopTimeoutMs: stopTimeoutMs ?? DEFAULTS.stopTimeoutMs,
    startWaitMs: waitMs ?? DEFAULTS.startWaitMs,
    port: null,
    logMaxBytes: logMax === undefined || logMax === null ? DEFAULTS.logMaxBytes : parseSize(logMax as string | number, '--log-max-size'),
    logKeep: logKeep ?? DEFAULTS.logKeep,
    ...emptySections(),
    logCompress: optBool(p, 'logCompress') ?? false,
    ...healthSectionsFromParams(p),
    restartCron: restartCronFromParams(p),
    identity: identityFromParams(p),
    instances: instancesFromParams(p),
  };
}


/** --restart-cron "0 4 * * *" [--restart-cron-tz Europe/Berlin], checked before anything starts. */
function restartCronFromParams(p: Params): ProcessSpec['restartCron'] {
  const cron = optString(p, 'restartCron');
  const tz = optString(p, 'restartCronTz');
  if (!cron) {
    if (tz) throw new SentinelError('INVALID_ARGUMENT', '--restart-cron-tz: only applies with --restart-cron, as in --restart-cron "0 4 * * *" --restart-cron-tz Europe/Berlin');
    return null;
  }
  if (tz) validateTimeZone(tz);
  validateCron(cron, tz);
  return { cron, tz: tz ?? null };
}

/** --user NAME[:GROUP], --nice N, --ionice CLASS[:LEVEL]; checked against the system by the identity spawner. */
function identityFromParams(p: Params): ProcessSpec['identity'] {
  const userRef = optString(p, 'user');
  const nice = wholeNumber(p.nice, '--nice', 'a whole number from -20 (highest priority) to 19 (lowest), e.g. --nice 10');
  const ionice = optString(p, 'ionice');
  const [user, group] = userRef === undefined || userRef === '' ? [null, null] : splitUserGroup(userRef);
  if (nice !== undefined) validateNice(nice, '--nice');
  if (ionice !== undefined) validateIonice(ionice, '--ionice');
  return { user, group, nice: nice ?? null, ionice: ionice ?? null };
}

function instancesFromParams(p: Params): number {
  const n = wholeNumber(p.instances, '--instances', 'a whole number from 1 to 1000 (e.g. --instances 4)');
  if (n === undefined) return 1;
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    throw new SentinelError('INVALID_ARGUMENT', `--instances ${n}: expected a whole number from 1 to 1000 (e.g. --instances 4)`);
  }
  return n;
}

/** A whole number given as a number or as the text of a flag; anything else is an error, never ignored. */
function wholeNumber(value: unknown, flag: string, expected: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(n)) throw new SentinelError('INVALID_ARGUMENT', `${flag} ${JSON.stringify(value)}: expected ${expected}`);
  return n;
}
