// The values of the hard limits (`--memory-max 512M`, `--cpu-max 50%` or `1.5`, `--pids-max 100`):
// parsed once with messages a person can act on, and shown back the way they are usually written.
// Pure: no file system, so the config schema and the CLI's checks use them too.
import { SentinelError } from '../core/errors.js';
import type { LimitsSection } from '../core/spec.js';

/** Below this no program starts at all: a limit this small is a typo (512 instead of 512M). */
export const MIN_MEMORY_MAX = 1024 * 1024;
/** The smallest CFS quota the kernel takes is 1 ms per 100 ms period. */
export const MIN_CPU_MAX = 0.01;
export const MAX_CPU_MAX = 4096;
export const MAX_PIDS_MAX = 4_194_304;

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, t: 1024 ** 4, tb: 1024 ** 4 };

function invalid(what: string, value: unknown, expected: string): never {
  throw new SentinelError('INVALID_ARGUMENT', `${what} ${JSON.stringify(value)}: expected ${expected}`, { value });
}

/** "512M", "1.5G", "300000000" (bytes) → bytes; at least 1M. */
export function parseMemoryMax(value: unknown, what = '--memory-max'): number {
  const expected = 'a size of at least 1M, like 512M or 2G (K, M, G and T are powers of 1024; a bare number is bytes)';
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : null;
  const m = text?.match(/^(\d+(?:\.\d+)?)\s*([kmgt]?b?)$/i);
  if (!m) invalid(what, value, expected);
  const bytes = Math.round(Number(m[1]) * UNITS[m[2].toLowerCase()]);
  if (!Number.isSafeInteger(bytes) || bytes < MIN_MEMORY_MAX) invalid(what, value, expected);
  return bytes;
}

/** "50%" → 0.5 cores, "1.5" → 1.5 cores, "150%" → 1.5; from 1% of one core. */
export function parseCpuMax(value: unknown, what = '--cpu-max'): number {
  const expected = `a share of the CPU above zero: a percent of one core like 50% (150% = one and a half cores) or a number of cores like 1.5; at least 1% (0.01), at most ${MAX_CPU_MAX} cores`;
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : null;
  const m = text?.match(/^(\d+(?:\.\d+)?)\s*(%?)$/);
  if (!m) invalid(what, value, expected);
  const cores = m[2] === '%' ? Number(m[1]) / 100 : Number(m[1]);
  if (!(cores >= MIN_CPU_MAX) || cores > MAX_CPU_MAX) invalid(what, value, expected);
  return Math.round(cores * 10_000) / 10_000;
}

/** A whole number of processes (threads included), at least 1. */
export function parsePidsMax(value: unknown, what = '--pids-max'): number {
  const expected = `a whole number of processes from 1 to ${MAX_PIDS_MAX}, like 100 (threads count too)`;
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : null;
  if (text === null || !/^\d+$/.test(text)) invalid(what, value, expected);
  const n = Number(text);
  if (n < 1 || n > MAX_PIDS_MAX) invalid(what, value, expected);
  return n;
}

/** "512M", "1.5G", "1048577 bytes": the shortest exact way to write a size. */
export function formatMemoryMax(bytes: number): string {
  for (const [unit, size] of [['T', 1024 ** 4], ['G', 1024 ** 3], ['M', 1024 ** 2], ['K', 1024]] as const) {
    if (bytes >= size && (bytes * 10) % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes} bytes`;
}

/** 0.5 → "50% of one core", 1.5 → "1.5 cores". */
export function formatCpuMax(cores: number): string {
  return cores < 1 ? `${Math.round(cores * 1000) / 10}% of one core` : `${cores} core${cores === 1 ? '' : 's'}`;
}

/** Whether a process needs a cgroup of its own: any hard limit. */
export function hasCgroupLimits(limits: Pick<LimitsSection, 'memoryMaxBytes' | 'cpuMax' | 'pidsMax' | 'group'>): boolean {
  return limits.memoryMaxBytes != null || limits.cpuMax != null || limits.pidsMax != null || limits.group != null;
}

/** The hard limits as one line: "memory 512M, cpu 50% of one core, 100 processes". */
export function describeCgroupLimits(limits: Pick<LimitsSection, 'memoryMaxBytes' | 'cpuMax' | 'pidsMax'> & { group?: LimitsSection['group'] }): string {
  const parts: string[] = [];
  if (limits.memoryMaxBytes != null) parts.push(`memory ${formatMemoryMax(limits.memoryMaxBytes)}`);
  if (limits.cpuMax != null) parts.push(`cpu ${formatCpuMax(limits.cpuMax)}`);
  if (limits.pidsMax != null) parts.push(`${limits.pidsMax} processes`);
  const own = parts.join(', ');
  const g = limits.group;
  if (!g) return own;
  const shared = `group ${g.name} together: ${describeCgroupLimits({ memoryMaxBytes: g.memoryMaxBytes, cpuMax: g.cpuMax, pidsMax: g.pidsMax })}`;
  return own ? `${own}; ${shared}` : shared;
}
