// Resource thresholds (`--max-memory 500M`, `--max-cpu 90% --for 60s`) evaluated against
// successive tree samples. Pure: time comes from the samples, so tests use made-up clocks.
import { SentinelError } from '../core/errors.js';
import { parseDuration } from '../core/duration.js';
import { parseCpuPercent, parseMemoryLimit } from './validate.js';

export interface ThresholdSpec {
  /** Tree-wide RSS limit in bytes. */
  maxMemoryBytes?: number;
  /** Tree-wide CPU limit, percent of one core. */
  maxCpuPercent?: number;
  /** How long CPU must stay above the limit. */
  cpuForMs?: number;
}

export const DEFAULT_CPU_FOR_MS = 60_000;

export interface ResourceSample {
  atMs: number;
  rssBytes: number;
  /** CPU % since the previous sample; null/undefined for the first one. */
  cpuPercent?: number | null;
}

export type ThresholdResult = { breach: false } | { breach: true; kind: 'memory' | 'cpu'; reason: string };

export interface ThresholdEvaluator {
  evaluate(sample: ResourceSample): ThresholdResult;
  /** Forget the CPU streak (after a restart). */
  reset(): void;
}

/** "612 MB", "512 KB", "1.5 GB": whole units, as a restart reason reads best. */
export function formatSize(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${Number((bytes / 1024 ** 3).toFixed(2))} GB`;
  if (bytes >= 1024 ** 2) return `${Math.round(bytes / 1024 ** 2)} MB`;
  return `${Math.round(bytes / 1024)} KB`;
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${(ms / 1000).toFixed(1)}s`;
}

export function createThresholdEvaluator(spec: ThresholdSpec): ThresholdEvaluator {
  const forMs = spec.cpuForMs ?? DEFAULT_CPU_FOR_MS;
  let lastAt: number | null = null;
  let overSince: number | null = null;

  return {
    evaluate(sample) {
      const previousAt = lastAt;
      lastAt = sample.atMs;
      if (spec.maxMemoryBytes !== undefined && sample.rssBytes > spec.maxMemoryBytes) {
        return { breach: true, kind: 'memory', reason: `memory ${formatSize(sample.rssBytes)} > ${formatSize(spec.maxMemoryBytes)}` };
      }
      if (spec.maxCpuPercent === undefined || sample.cpuPercent === null || sample.cpuPercent === undefined) return { breach: false };
      if (sample.cpuPercent <= spec.maxCpuPercent) {
        overSince = null;
        return { breach: false };
      }
      // a CPU figure covers the interval since the previous sample, so the streak starts there
      overSince ??= previousAt ?? sample.atMs;
      if (sample.atMs - overSince < forMs) return { breach: false };
      const reason = `cpu ${Math.round(sample.cpuPercent)}% > ${spec.maxCpuPercent}% for ${formatSeconds(sample.atMs - overSince)}`;
      overSince = null;
      return { breach: true, kind: 'cpu', reason };
    },
    reset() {
      lastAt = null;
      overSince = null;
    },
  };
}

/** Checks `{ maxMemory: "500M", maxCpu: "90%", for: "60s" }` as typed. */
export function validateThresholds(raw: { maxMemory?: unknown; maxCpu?: unknown; for?: unknown }): ThresholdSpec {
  const spec: ThresholdSpec = {};
  if (raw.maxMemory !== undefined && raw.maxMemory !== null) spec.maxMemoryBytes = parseMemoryLimit(raw.maxMemory as string, '--max-memory');
  if (raw.maxCpu !== undefined && raw.maxCpu !== null) spec.maxCpuPercent = parseCpuPercent(raw.maxCpu as string, '--max-cpu');
  if (raw.for !== undefined && raw.for !== null) {
    if (spec.maxCpuPercent === undefined) {
      throw new SentinelError('INVALID_ARGUMENT', '--for: only applies with --max-cpu, as in --max-cpu 90% --for 60s');
    }
    spec.cpuForMs = parseDuration(raw.for as string, '--for');
  }
  return spec;
}
