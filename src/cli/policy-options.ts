// The restart-policy flags shared by `run` and `policy`.
import type { Command } from 'commander';

export function addPolicyOptions(cmd: Command): Command {
  return cmd
    .option('--restart-exit-codes <codes>', 'restart only on these exit codes (e.g. 1,2)')
    .option('--no-restart-exit-codes <codes>', 'never restart on these exit codes (e.g. 0,143)')
    .option('--max-restarts <n>', 'restarts without staying up --min-uptime (or within --restart-window) before the process is failed (default 15, 0 = unlimited)')
    .option('--restart-window <duration>', 'count --max-restarts within this window only (default 0: since the last run that stayed up --min-uptime)')
    .option('--restart-delay <duration>', 'wait before restarting (default 100ms; 0 restarts at once, within the restart rate limits)')
    .option('--backoff <kind>', 'exponential (default: the delay doubles per restart) or fixed')
    .option('--backoff-max <duration>', 'longest exponential delay (default 30s)')
    .option('--jitter <fraction>', 'randomize delays by this fraction or percentage (default 0.2, e.g. 0.1 or 10%)')
    .option('--min-uptime <duration>', 'a run this long resets the restart counter (default 1s)');
}

/** The value given to a flag, read from argv ("--flag v" or "--flag=v"). */
function argValue(flag: string): string | undefined {
  const argv = process.argv;
  const end = argv.indexOf('--');
  const args = end < 0 ? argv : argv.slice(0, end);
  const inline = args.find((a) => a.startsWith(`${flag}=`));
  if (inline) return inline.slice(flag.length + 1);
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
}

/**
 * Commander reads "--no-restart-exit-codes" as the negation of "--restart-exit-codes" and stores both in one
 * attribute; the two lists are therefore read from argv.
 */
export function policyParams(opts: Record<string, unknown>): Record<string, unknown> {
  return {
    restartExitCodes: argValue('--restart-exit-codes'),
    noRestartExitCodes: argValue('--no-restart-exit-codes'),
    maxRestarts: opts.maxRestarts,
    restartWindow: opts.restartWindow,
    restartDelay: opts.restartDelay,
    backoff: opts.backoff,
    backoffMax: opts.backoffMax,
    jitter: opts.jitter,
    minUptime: opts.minUptime,
  };
}
