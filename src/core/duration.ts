// Durations ("500ms", "5s", "2m", "5h", "1d") and sizes ("10M", "512K", "1G") as users type them.
import { SentinelError } from './errors.js';

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** Parses a duration into milliseconds; a bare number is seconds. Throws INVALID_DURATION with an example. */
export function parseDuration(input: string | number, what = 'duration'): number {
  if (typeof input === 'number') {
    if (Number.isFinite(input) && input >= 0) return Math.round(input * 1000);
  } else {
    const text = input.trim();
    const parts = text.match(/^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/i);
    if (parts) return Math.round(Number(parts[1]) * DURATION_UNITS[(parts[2] ?? 's').toLowerCase()]);
    // compound forms like "1m30s"
    const compound = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/gi)];
    if (compound.length > 1 && compound.map((c) => c[0]).join('') === text) {
      return Math.round(compound.reduce((sum, c) => sum + Number(c[1]) * DURATION_UNITS[c[2].toLowerCase()], 0));
    }
  }
  throw new SentinelError(
    'INVALID_DURATION',
    `${what}: expected a duration like "500ms", "5s", "2m", "5h" or "1d", got ${JSON.stringify(input)}`,
  );
}

/** Parses a byte size ("10M", "512K", "1G", "1024"). Throws INVALID_ARGUMENT with an example. */
export function parseSize(input: string | number, what = 'size'): number {
  if (typeof input === 'number' && Number.isFinite(input) && input >= 0) return Math.round(input);
  const parts = String(input).trim().match(/^(\d+(?:\.\d+)?)\s*([kmg]?b?)$/i);
  if (!parts) {
    throw new SentinelError('INVALID_ARGUMENT', `${what}: expected a size like "512K", "10M" or "1G", got ${JSON.stringify(input)}`);
  }
  return Math.round(Number(parts[1]) * SIZE_UNITS[parts[2].toLowerCase()]);
}

/** Formats milliseconds the way the README shows uptimes: "5m 3s", "2h 1m", "3d 4h". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '-';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

/** A span for messages: "250ms", "1.5s", "1m", "1m 30s", "2h 5m" (never "60000 ms"). */
export function humanDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))}s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return s % 60 === 0 ? `${s / 60}m` : `${Math.floor(s / 60)}m ${s % 60}s`;
  return formatDuration(ms);
}
