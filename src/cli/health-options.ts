// Readiness, liveness, threshold and notification flags of `run`.
import type { Command } from 'commander';
import { SentinelError } from '../core/errors.js';
import { collect } from './common.js';
import { wholeNumber } from './option-values.js';
import { failAndExit } from './output.js';

export function addHealthOptions(cmd: Command): Command {
  return cmd
    .option('--wait-port <port>', 'ready once this TCP port accepts connections')
    .option('--wait-http <url>', 'ready once this URL answers (see --expect-status)')
    .option('--expect-status <status>', 'HTTP status (or range 200-299) --wait-http expects')
    .option('--wait-log <regex>', 'ready once a line of stdout or stderr matches')
    .option('--wait-exec <command>', 'ready once this command exits 0')
    .option('--startup-timeout <duration>', 'how long to wait for readiness (default 30s)')
    .option('--health-http <url>', 'liveness check: GET this URL')
    .option('--health-tcp <port>', 'liveness check: connect to [host:]port')
    .option('--health-exec <command>', 'liveness check: this command must exit 0')
    .option('--health-plugin <name>', 'liveness check: ask this health plugin (declared in daemon.yaml)')
    .option('--health-interval <duration>', 'time between checks (default 10s)')
    .option('--health-timeout <duration>', 'time one check may take (default 5s)')
    .option('--health-retries <n>', 'failed checks in a row before unhealthy (default 3)', wholeNumber('--health-retries', 1, 1000, 3))
    .option('--health-success-threshold <n>', 'passed checks in a row before healthy again (default 1)', wholeNumber('--health-success-threshold', 1, 1000, 1))
    .option('--health-initial-delay <duration>', 'wait before the first check (default 0)')
    .option('--health-action <action>', 'restart (default) or notify when unhealthy')
    .option('--health-expect-status <status>', 'HTTP status (or range) a liveness check expects')
    .option('--max-memory <size>', 'restart when the whole process tree uses more memory (e.g. 500M)')
    .option('--max-cpu <percent>', 'restart when the tree uses more CPU than this (e.g. 90%) for --for')
    .option('--for <duration>', 'how long --max-cpu must be exceeded (default 60s)')
    .option('--notify-webhook <url>', 'POST crash/failed/unhealthy/recovered events here (repeatable)', collect, [])
    .option('--notify-plugin <name>', 'send this process\'s events to this notifier plugin (repeatable)', collect, []);
}

const LIVENESS = ['healthHttp', 'healthTcp', 'healthExec', 'healthPlugin'];

/** Liveness tuning given without a liveness check would be ignored silently (readiness, --expect-status and --for are checked by the daemon). */
const TUNES_LIVENESS: Array<[string, string, string]> = [
  ['healthInterval', '--health-interval', '10s'], ['healthTimeout', '--health-timeout', '5s'], ['healthRetries', '--health-retries', '3'],
  ['healthSuccessThreshold', '--health-success-threshold', '1'], ['healthInitialDelay', '--health-initial-delay', '5s'],
  ['healthAction', '--health-action', 'notify'], ['healthExpectStatus', '--health-expect-status', '200'],
];

export function healthParams(o: Record<string, unknown>): Record<string, unknown> {
  const hasLiveness = LIVENESS.some((k) => o[k] !== undefined);
  for (const [key, flag, example] of TUNES_LIVENESS) {
    if (o[key] !== undefined && !hasLiveness) {
      failAndExit(new SentinelError('INVALID_ARGUMENT', `${flag}: only applies with a liveness check, as in --health-http http://127.0.0.1:8080/health ${flag} ${example}`), o.json === true);
    }
  }
  return {
    waitPort: o.waitPort, waitHttp: o.waitHttp, expectStatus: o.expectStatus, waitLog: o.waitLog, waitExec: o.waitExec,
    startupTimeout: o.startupTimeout, healthHttp: o.healthHttp, healthTcp: o.healthTcp, healthExec: o.healthExec, healthPlugin: o.healthPlugin,
    healthInterval: o.healthInterval, healthTimeout: o.healthTimeout, healthRetries: o.healthRetries,
    healthSuccessThreshold: o.healthSuccessThreshold, healthInitialDelay: o.healthInitialDelay, healthAction: o.healthAction,
    healthExpectStatus: o.healthExpectStatus, maxMemory: o.maxMemory, maxCpu: o.maxCpu, cpuFor: o.for,
    notifyWebhooks: o.notifyWebhook, notifyPlugins: o.notifyPlugin,
  };
}
