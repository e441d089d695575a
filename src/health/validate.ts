// Parsers for the values users type for readiness, liveness, thresholds and notifications.
// Each rejects bad input before anything starts, naming the value, what was expected and an example.
import { SentinelError } from '../core/errors.js';
import { parseSize } from '../core/duration.js';

function reject(what: string, expected: string, value: unknown): never {
  throw new SentinelError('INVALID_ARGUMENT', `${what}: expected ${expected}, got ${JSON.stringify(value)}`, { value });
}

/** A TCP port, 1-65535. */
export function parsePort(input: string | number, what = 'port'): number {
  const text = String(input).trim();
  if (!/^\d+$/.test(text)) reject(what, 'a port number from 1 to 65535, like 8080', input);
  const port = Number(text);
  if (port < 1 || port > 65535) reject(what, 'a port number from 1 to 65535, like 8080', input);
  return port;
}

/** An absolute http(s) URL. */
export function parseHttpUrl(input: string, what = 'url'): URL {
  let url: URL | null = null;
  try {
    url = new URL(String(input).trim());
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    reject(what, 'an http:// or https:// URL like "http://127.0.0.1:8080/health"', input);
  }
  return url;
}

/** A regular expression source, compiled to check it before anything starts. */
export function parseRegex(input: string, what = 'regex'): RegExp {
  if (typeof input !== 'string' || input.length === 0) reject(what, 'a regular expression like "listening on port \\d+"', input);
  try {
    return new RegExp(input);
  } catch (err) {
    const why = (err as Error).message.replace(/^Invalid regular expression: /, '');
    return reject(what, `a valid regular expression like "listening on port \\d+" (${why})`, input);
  }
}

/** A comma-separated list of exit codes 0-255: "1,2" → [1, 2]. */
export function parseExitCodes(input: string | number[], what = 'exit codes'): number[] {
  const parts = Array.isArray(input) ? input.map(String) : String(input).split(',').map((s) => s.trim());
  const codes: number[] = [];
  for (const part of parts) {
    if (!/^\d+$/.test(part) || Number(part) > 255) reject(what, 'comma-separated exit codes from 0 to 255, like "1,2"', input);
    if (!codes.includes(Number(part))) codes.push(Number(part));
  }
  if (codes.length === 0) reject(what, 'comma-separated exit codes from 0 to 255, like "1,2"', input);
  return codes;
}

/** An HTTP status (200) or range ("200-299"), as the inclusive pair [min, max]. */
export function parseStatusRange(input: string | number, what = 'expected status'): [number, number] {
  const text = String(input).trim();
  const m = text.match(/^(\d{3})(?:\s*-\s*(\d{3}))?$/);
  const min = m ? Number(m[1]) : 0;
  const max = m ? Number(m[2] ?? m[1]) : 0;
  if (!m || min < 100 || max > 599 || min > max) reject(what, 'an HTTP status like 200 or a range like "200-299"', input);
  return [min, max];
}

/** A memory limit such as "500M" or "1G", in bytes; must be more than zero. */
export function parseMemoryLimit(input: string | number, what = 'max memory'): number {
  let bytes = 0;
  try {
    bytes = parseSize(input, what);
  } catch {
    reject(what, 'a size like "500M" or "1G"', input);
  }
  if (bytes <= 0) reject(what, 'a size greater than zero, like "500M" or "1G"', input);
  return bytes;
}

/** A CPU limit such as "90%" or "150%" (more than one core), as a percent of one core. */
export function parseCpuPercent(input: string | number, what = 'max cpu'): number {
  const m = String(input).trim().match(/^(\d+(?:\.\d+)?)\s*%?$/);
  const pct = m ? Number(m[1]) : 0;
  if (!m || pct <= 0 || pct > 100_000) reject(what, 'a percentage of one core greater than zero, like "90%" (or "150%" for 1.5 cores)', input);
  return pct;
}

/** A whole number within bounds (thresholds such as failure counts). */
export function parseCount(input: string | number, what: string, min = 1, max = 1000): number {
  const text = String(input).trim();
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    reject(what, `a whole number from ${min} to ${max}, like ${Math.min(Math.max(3, min), max)}`, input);
  }
  return Number(text);
}

/** A host:port pair or a bare port for TCP checks ("8080", "127.0.0.1:5432"). */
export function parseHostPort(input: string | number, what = 'tcp target'): { host: string; port: number } {
  const text = String(input).trim();
  const m = text.match(/^(?:\[?([^\]]*?)\]?:)?(\d+)$/);
  if (!m) reject(what, 'a port like 8080 or host:port like "127.0.0.1:5432"', input);
  const port = Number(m[2]);
  if (port < 1 || port > 65535) reject(what, 'a port like 8080 or host:port like "127.0.0.1:5432"', input);
  return { host: m[1] || '127.0.0.1', port };
}
