import { describe, expect, it } from 'vitest';
import { parseDuration, parseSize, formatDuration } from '../../src/core/duration.js';
import { validateName, nameFromCommand } from '../../src/core/names.js';
import { canTransition, STATES, TRANSITIONS } from '../../src/core/states.js';
import { parseStat } from '../../src/core/proc.js';

describe('durations and sizes', () => {
  it('parses the documented forms', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('5h')).toBe(18_000_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(parseDuration('3')).toBe(3000);
    expect(parseSize('10M')).toBe(10 * 1024 * 1024);
    expect(parseSize('512K')).toBe(512 * 1024);
  });
  it('rejects bad ones with an example', () => {
    expect(() => parseDuration('fast', '--wait')).toThrow('--wait: expected a duration like "500ms", "5s", "2m", "5h" or "1d", got "fast"');
    expect(() => parseDuration('-1s')).toThrow('got "-1s"');
    expect(() => parseSize('lots', '--log-max-size')).toThrow('--log-max-size: expected a size like "512K", "10M" or "1G", got "lots"');
  });
  it('formats uptimes like the README', () => {
    expect(formatDuration(303_000)).toBe('5m 3s');
    expect(formatDuration(7_260_000)).toBe('2h 1m');
  });
});

describe('names', () => {
  it('accepts safe names', () => {
    expect(validateName('web-1')).toBe('web-1');
    expect(validateName('a.b_c')).toBe('a.b_c');
  });
  it.each([
    ['../x', 'process name "../x" is not allowed: use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. "web-1")'],
    ['a/b', 'process name "a/b" is not allowed: use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. "web-1")'],
    ['', 'process name is empty; use letters, digits, ".", "_" or "-" (e.g. "web-1")'],
    ['x'.repeat(300), 'process name "xxxxxxxxxxxxxxxxxxxx…" is 300 characters long; the limit is 64'],
    ['café', 'process name "café" is not allowed: use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. "web-1")'],
    ['42', 'process name "42" is all digits, which would be mistaken for an id; add a letter (e.g. "p42")'],
  ])('rejects %j', (name, message) => {
    expect(() => validateName(name, 'process name')).toThrow(message);
  });
  it('derives a name from a command', () => {
    expect(nameFromCommand('python server.py')).toBe('python');
    expect(nameFromCommand('/usr/bin/node app.js')).toBe('node');
  });
});

describe('state table', () => {
  it('has an entry for every state and only known targets', () => {
    for (const s of STATES) for (const t of TRANSITIONS[s]) expect(STATES).toContain(t);
  });
  it('allows the lifecycle paths and forbids shortcuts', () => {
    expect(canTransition('stopped', 'starting')).toBe(true);
    expect(canTransition('starting', 'running')).toBe(true);
    expect(canTransition('running', 'stopping')).toBe(true);
    expect(canTransition('stopping', 'stopped')).toBe(true);
    expect(canTransition('running', 'backoff')).toBe(true);
    expect(canTransition('backoff', 'starting')).toBe(true);
    expect(canTransition('stopped', 'running')).toBe(false);
    expect(canTransition('stopping', 'running')).toBe(false);
    expect(canTransition('failed', 'running')).toBe(false);
  });
});

describe('/proc stat parsing', () => {
  it('handles command names with spaces and parentheses', () => {
    const st = parseStat('123 (my (odd) name) S 1 123 123 0 -1 4194560 100 0 0 0 7 3 0 0 20 0 1 0 5555 1000 250 18446744073709551615');
    expect(st).toMatchObject({ pid: 123, state: 'S', ppid: 1, pgid: 123, sid: 123, utime: 7, stime: 3, startTime: 5555, rssPages: 250 });
  });
});
