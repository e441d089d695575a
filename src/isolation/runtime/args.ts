// Helpers the runtime files share: the options every client's `run` takes, and parsing their output.
import type { RunRequest } from './types.js';

/** "12.5%" → 12.5; "1.2MiB" / "3.4kB" → bytes; the forms `docker stats` prints. */
export function parseHumanBytes(text: string): number | null {
  const m = /^\s*([\d.]+)\s*([KMGTP]?i?B)?\s*$/i.exec(text);
  if (!m) return null;
  const unit = (m[2] ?? 'B').toUpperCase();
  const power = 'BKMGTP'.indexOf(unit[0] === 'B' ? 'B' : unit[0]);
  const base = unit.includes('I') ? 1024 : 1000;
  return Math.round(Number(m[1]) * base ** Math.max(0, power));
}

/** Parses `--format '{{json .}}'`-style output: one JSON object per line, bad lines skipped. */
export function jsonLines(stdout: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const line of stdout.split('\n')) {
    const text = line.trim();
    if (!text.startsWith('{')) continue;
    try {
      out.push(JSON.parse(text) as Record<string, unknown>);
    } catch {
      /* a warning line, not ours */
    }
  }
  return out;
}

/** "a=1,b=2" (docker ps) or a map (podman ps) → a map. */
export function labelMap(value: unknown): Record<string, string> {
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  if (typeof value !== 'string' || value === '') return {};
  return Object.fromEntries(value.split(',').map((kv) => {
    const at = kv.indexOf('=');
    return at < 0 ? [kv, ''] : [kv.slice(0, at), kv.slice(at + 1)];
  }));
}

/** The options both clients share for `run`. */
export function commonRunArgs(req: RunRequest): string[] {
  const args = ['run', '--rm', '--init', '--name', req.name, '--stop-signal', req.stopSignal, '--stop-timeout', String(req.stopTimeoutSec)];
  // the output reaches Sentinel's log files through the attached client; the runtime keeps no copy
  args.push('--log-driver', 'none');
  for (const [k, v] of Object.entries(req.labels)) args.push('--label', `${k}=${v}`);
  for (const key of req.envKeys) args.push('--env', key);
  for (const p of req.ports) args.push('--publish', p);
  for (const v of req.volumes) args.push('--volume', v);
  if (req.user !== null) args.push('--user', req.user);
  return args;
}
