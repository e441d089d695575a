// Scaling on load: the decision, as a pure function of the samples, the settings and the time, so it is
// tested with a fake clock. The daemon's loop (autoscale-loop.ts) feeds it and carries decisions out.
//
// As Kubernetes' HPA does by default: the wanted count is ceil(count × usage / target); scale-up needs
// the usage above target for all of `upAfterMs` and adds at most max(+4, +100 %) at once; scale-down
// needs every metric below target for all of `downAfterMs` and takes the highest count any sample of
// that window asked for (so a short dip does not remove instances a peak a minute ago needed).
// Nothing changes within `cooldownMs` of the last change; the count stays within min..max.
import { formatBytes, humanDuration } from '../core/duration.js';
import type { ScaleSection } from '../core/spec.js';

/** Averages per live instance at one moment (tree-wide: each instance with all it started). */
export interface ScaleSample {
  at: number;
  cpuPercent: number | null;
  memoryBytes: number | null;
}

export interface ScaleDecision {
  to: number;
  reason: string;
}

interface Metric {
  name: 'cpu' | 'memory';
  target: number;
  value: (s: ScaleSample) => number | null;
  show: (v: number) => string;
}

function metricsOf(scale: ScaleSection): Metric[] {
  const out: Metric[] = [];
  if (scale.cpuPercent !== null) out.push({ name: 'cpu', target: scale.cpuPercent, value: (s) => s.cpuPercent, show: (v) => `${Math.round(v)} %` });
  if (scale.memoryBytes !== null) out.push({ name: 'memory', target: scale.memoryBytes, value: (s) => s.memoryBytes, show: (v) => formatBytes(v) });
  return out;
}

/** The most a scale-up may reach within a minute from `base` instances (HPA: +4 or +100 %, whichever is more). */
export function scaleUpLimit(base: number): number {
  return Math.max(base + 4, base * 2);
}

/** HPA's scale-up period: the step limit counts from the count this long ago. */
export const SCALE_UP_PERIOD_MS = 60_000;

const clamp = (n: number, scale: ScaleSection) => Math.min(scale.max, Math.max(scale.min, n));

/** The samples of the last `windowMs`, or null when the samples do not cover that long yet. */
function windowOf(samples: ScaleSample[], now: number, windowMs: number): ScaleSample[] | null {
  if (samples.length === 0 || samples[0].at > now - windowMs) return null;
  const recent = samples.filter((s) => s.at >= now - windowMs);
  return recent.length > 0 ? recent : null;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * What to do now with a definition of `count` instances. `samples` are those taken since its count last
 * changed, oldest first; `lastChangeAt` is when it last changed (null: never); `countMinuteAgo` is the
 * lowest count of the last minute (SCALE_UP_PERIOD_MS), which the scale-up limit counts from.
 */
export function decideScale(
  scale: ScaleSection, count: number, samples: ScaleSample[], now: number, lastChangeAt: number | null, countMinuteAgo = count,
): ScaleDecision | null {
  if (count < scale.min) return { to: scale.min, reason: `below the minimum of ${scale.min}: ${count} → ${scale.min}` };
  if (count > scale.max) return { to: scale.max, reason: `above the maximum of ${scale.max}: ${count} → ${scale.max}` };
  if (lastChangeAt !== null && now - lastChangeAt < scale.cooldownMs) return null;
  const metrics = metricsOf(scale);
  if (metrics.length === 0) return null;

  // out: one metric above its target for the whole up window
  const up = windowOf(samples, now, scale.upAfterMs);
  if (up && count < scale.max) {
    for (const m of metrics) {
      const values = up.map(m.value);
      if (values.some((v) => v === null)) continue;
      const vs = values as number[];
      if (!vs.every((v) => v > m.target)) continue;
      const avg = mean(vs);
      const wanted = Math.max(count + 1, Math.ceil((count * Math.min(...vs)) / m.target));
      const to = Math.min(clamp(wanted, scale), scaleUpLimit(Math.min(count, countMinuteAgo)));
      if (to <= count) return null; // this minute's scale-up budget is spent
      return { to, reason: `${m.name} ${m.show(avg)} > ${m.show(m.target)} for ${humanDuration(scale.upAfterMs)}: ${count} → ${to}` };
    }
  }

  // in: every metric below its target for the whole down window
  const down = windowOf(samples, now, scale.downAfterMs);
  if (down && count > scale.min) {
    let wanted = 0;
    const shown: string[] = [];
    for (const m of metrics) {
      const values = down.map(m.value);
      if (values.some((v) => v === null)) return null;
      const vs = values as number[];
      if (!vs.every((v) => v < m.target)) return null;
      wanted = Math.max(wanted, ...vs.map((v) => Math.ceil((count * v) / m.target)));
      shown.push(`${m.name} ${m.show(mean(vs))} < ${m.show(m.target)}`);
    }
    const to = clamp(Math.min(wanted, count), scale);
    if (to < count) return { to, reason: `${shown.join(', ')} for ${humanDuration(scale.downAfterMs)}: ${count} → ${to}` };
  }
  return null;
}

/** A custom policy's answer (its stdout, or a module's return value) as a count, or why it is not one. */
export function readPolicyAnswer(answer: unknown): { count: number } | { error: string } {
  let value: unknown = answer;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return { error: 'it answered nothing (expected a whole number like 3, or {"instances": 3})' };
    try {
      value = JSON.parse(text);
    } catch {
      return { error: `it answered ${JSON.stringify(text.slice(0, 80))}, not a whole number (expected like 3, or {"instances": 3})` };
    }
  }
  if (typeof value === 'object' && value !== null && 'instances' in value) value = (value as { instances: unknown }).instances;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    return { error: `it answered ${JSON.stringify(value)?.slice(0, 80) ?? String(value)}, not a whole number ≥ 0 (expected like 3, or {"instances": 3})` };
  }
  return { count: value };
}

/** What a policy's count means now: clamped to min..max; null when nothing changes or the cooldown holds. */
export function decidePolicy(scale: ScaleSection, count: number, answered: number, now: number, lastChangeAt: number | null, who = 'policy'): ScaleDecision | null {
  const to = clamp(answered, scale);
  if (to === count) return null;
  if (lastChangeAt !== null && now - lastChangeAt < scale.cooldownMs && count >= scale.min && count <= scale.max) return null;
  const clamped = to !== answered ? ` (clamped to ${scale.min}..${scale.max})` : '';
  return { to, reason: `${who} answered ${answered}${clamped}: ${count} → ${to}` };
}
