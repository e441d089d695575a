// A custom scaling policy runs as a child process, never inside the daemon: a shell command, or a JS
// module loaded by a Node child. It gets the metrics as JSON on stdin and answers a count on stdout.
// One that hangs is killed after its timeout; one that crashes or answers garbage is reported, and the
// count stays as it is (the caller's part).
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { humanDuration } from '../core/duration.js';
import type { ScalePolicy } from '../core/spec.js';

const MAX_OUTPUT = 64 * 1024;

/** Loads the module named by argv[1], calls its default export with the metrics read from stdin, prints the answer. */
const MODULE_RUNNER = `
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', async () => {
  const mod = await import(process.argv[1]);
  const fn = typeof mod.default === 'function' ? mod.default : mod.instances;
  if (typeof fn !== 'function') { process.stderr.write('the module exports no default function'); process.exit(2); }
  const answer = await fn(JSON.parse(input));
  process.stdout.write(JSON.stringify(answer === undefined ? null : answer));
});`;

export interface PolicyRun {
  cwd: string;
  env: Record<string, string>;
}

/** The policy's stdout, or a rejection saying why it gave none (timeout, exit status, stderr). */
export function runPolicy(policy: ScalePolicy, metrics: unknown, where: PolicyRun): Promise<string> {
  const [file, args] = policy.module !== null
    ? [process.execPath, ['--input-type=module', '-e', MODULE_RUNNER, pathToFileURL(policy.module).href]]
    : ['/bin/sh', ['-c', policy.command ?? 'false']];
  const what = policy.module !== null ? `module ${policy.module}` : `command ${JSON.stringify(policy.command)}`;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: where.cwd, env: where.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (c: string) => { if (out.length < MAX_OUTPUT) out += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { if (err.length < MAX_OUTPUT) err += c; });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, policy.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`the policy ${what} could not start: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) return reject(new Error(`the policy ${what} did not answer within ${humanDuration(policy.timeoutMs)}; it was killed`));
      if (code !== 0) {
        const tail = err.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
        return reject(new Error(`the policy ${what} failed (${signal ? `signal ${signal}` : `exit code ${code}`})${tail ? `: ${tail}` : ''}`));
      }
      resolve(out);
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(JSON.stringify(metrics));
  });
}
