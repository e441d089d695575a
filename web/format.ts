// How numbers, sizes, durations and times are shown, the same way the CLI shows them.
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

export function formatCpu(n: number | null | undefined): string {
  return n === null || n === undefined ? '–' : `${n.toFixed(1)} %`;
}

export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const hr = Math.floor(m / 60);
  if (hr < 24) return `${hr}h ${m % 60}m`;
  return `${Math.floor(hr / 24)}d ${hr % 24}h`;
}

export function formatTime(t: number | null | undefined): string {
  if (t === null || t === undefined) return '–';
  const d = new Date(t);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatClock(t: number): string {
  const d = new Date(t);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** "in 3m" / "5s ago" */
export function relative(t: number | null | undefined, now = Date.now()): string {
  if (t === null || t === undefined) return '–';
  const d = t - now;
  return d >= 0 ? `in ${formatDuration(d)}` : `${formatDuration(-d)} ago`;
}

export interface ExitLike { exitCode: number | null; signal: string | null; stoppedByUs?: boolean; forceKilled?: boolean }
export function describeExit(e: ExitLike | null | undefined): string {
  if (!e) return '–';
  const how = e.signal ? `killed by ${e.signal}` : `exit code ${e.exitCode ?? '?'}`;
  return e.stoppedByUs ? `${how} (stopped by sentinel${e.forceKilled ? ', forced' : ''})` : how;
}
