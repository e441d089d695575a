import { describe, expect, it } from 'vitest';
import {
  parseCount,
  parseCpuPercent,
  parseExitCodes,
  parseHostPort,
  parseHttpUrl,
  parseMemoryLimit,
  parsePort,
  parseRegex,
  parseStatusRange,
} from '../../src/health/validate.js';
import { SentinelError } from '../../src/core/errors.js';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SentinelError);
    expect((err as SentinelError).code).toBe('INVALID_ARGUMENT');
    return (err as SentinelError).message;
  }
  throw new Error('expected a rejection');
}

describe('validation helpers', () => {
  it('accept good values', () => {
    expect(parsePort('8080')).toBe(8080);
    expect(parsePort(1)).toBe(1);
    expect(parseHttpUrl('https://example.test/h').href).toBe('https://example.test/h');
    expect(parseRegex('^ready$').test('ready')).toBe(true);
    expect(parseExitCodes('1, 2,2')).toEqual([1, 2]);
    expect(parseExitCodes([0, 143])).toEqual([0, 143]);
    expect(parseStatusRange(204)).toEqual([204, 204]);
    expect(parseStatusRange('200-299')).toEqual([200, 299]);
    expect(parseMemoryLimit('500M')).toBe(500 * 1024 * 1024);
    expect(parseCpuPercent('90%')).toBe(90);
    expect(parseCpuPercent('150')).toBe(150);
    expect(parseCount('3', '--failure-threshold')).toBe(3);
    expect(parseHostPort('5432')).toEqual({ host: '127.0.0.1', port: 5432 });
    expect(parseHostPort('db.local:5432')).toEqual({ host: 'db.local', port: 5432 });
    expect(parseHostPort('[::1]:80')).toEqual({ host: '::1', port: 80 });
  });

  it('reject bad values with the value, what was expected and an example', () => {
    expect(messageOf(() => parsePort('0', '--wait-port'))).toBe('--wait-port: expected a port number from 1 to 65535, like 8080, got "0"');
    expect(messageOf(() => parsePort('http'))).toBe('port: expected a port number from 1 to 65535, like 8080, got "http"');
    expect(messageOf(() => parseHttpUrl('ftp://x/', '--health-url'))).toBe(
      '--health-url: expected an http:// or https:// URL like "http://127.0.0.1:8080/health", got "ftp://x/"',
    );
    expect(messageOf(() => parseRegex('', '--wait-log'))).toBe('--wait-log: expected a regular expression like "listening on port \\d+", got ""');
    expect(messageOf(() => parseRegex('[a-', '--wait-log'))).toBe(
      '--wait-log: expected a valid regular expression like "listening on port \\d+" (/[a-/: Unterminated character class), got "[a-"',
    );
    expect(messageOf(() => parseExitCodes('1,x', '--restart-exit-codes'))).toBe(
      '--restart-exit-codes: expected comma-separated exit codes from 0 to 255, like "1,2", got "1,x"',
    );
    expect(messageOf(() => parseExitCodes('256'))).toBe('exit codes: expected comma-separated exit codes from 0 to 255, like "1,2", got "256"');
    expect(messageOf(() => parseExitCodes(''))).toBe('exit codes: expected comma-separated exit codes from 0 to 255, like "1,2", got ""');
    expect(messageOf(() => parseStatusRange('299-200'))).toBe('expected status: expected an HTTP status like 200 or a range like "200-299", got "299-200"');
    expect(messageOf(() => parseMemoryLimit('lots', '--max-memory'))).toBe('--max-memory: expected a size like "500M" or "1G", got "lots"');
    expect(messageOf(() => parseMemoryLimit('0', '--max-memory'))).toBe('--max-memory: expected a size greater than zero, like "500M" or "1G", got "0"');
    expect(messageOf(() => parseCpuPercent('-5%', '--max-cpu'))).toBe(
      '--max-cpu: expected a percentage of one core greater than zero, like "90%" (or "150%" for 1.5 cores), got "-5%"',
    );
    expect(messageOf(() => parseCount('0', '--failure-threshold'))).toBe('--failure-threshold: expected a whole number from 1 to 1000, like 3, got "0"');
    expect(messageOf(() => parseHostPort('db:99999', '--health-tcp'))).toBe(
      '--health-tcp: expected a port like 8080 or host:port like "127.0.0.1:5432", got "db:99999"',
    );
  });
});
