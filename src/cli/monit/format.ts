// Cell values of the monitor's table, short enough for narrow columns.

export function formatCpu(cpu: number | null): string {
  return cpu === null ? '-' : `${cpu < 10 ? cpu.toFixed(1) : Math.round(cpu)}%`;
}

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 || v >= 100 ? Math.round(v) : v.toFixed(1)}${units[i]}`;
}

export function formatUptime(ms: number | null): string {
  if (ms === null) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${String(Math.floor((s % 86_400) / 3600)).padStart(2, '0')}h`;
}
