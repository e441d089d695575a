// What every command shares: a client, --json, and turning failures into a message and an exit code.
import { Client } from '../client/client.js';
import { failAndExit, printJson } from './output.js';

export interface JsonOpt { json?: boolean }

let client: Client | undefined;
export function getClient(): Client {
  client ??= new Client({ onVersionMismatch: warnVersionMismatch });
  return client;
}

/** The daemon answering was started from another install of Sentinel: say so, and how to switch. */
export function warnVersionMismatch(daemonVersion: string, cliVersion: string): void {
  process.stderr.write(`Warning: the daemon runs Sentinel ${daemonVersion} but this CLI is ${cliVersion} (a daemon started from another install); restart it with "sentinel daemon restart" to run this version\n`);
}

/** Runs a command body; prints JSON when asked, else lets `human` print; maps errors to exit codes. */
export async function act<T>(opts: JsonOpt, body: (c: Client) => Promise<T>, human: (result: T) => void): Promise<void> {
  try {
    const result = await body(getClient());
    if (opts.json) printJson(result);
    else human(result);
  } catch (err) {
    failAndExit(err, opts.json ?? false);
  }
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
