// The daemon gives back the heap a burst filled: after `up` of many processes, once nothing changes,
// it runs one full collection (logged at debug level). Its default V8 options must allow it.
import { writeFileSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanupHome, cli, tempHome, waitFor } from '../helpers.js';

const homes: string[] = [];
afterEach(async () => {
  while (homes.length) await cleanupHome(homes.pop()!);
});

describe('collection after a burst', () => {
  it('runs once the processes of an `up` have all started and nothing changes', async () => {
    const home = tempHome();
    homes.push(home);
    const file = path.join(home, 'stack.yaml');
    const lines = ['processes:'];
    for (let i = 0; i < 60; i++) lines.push(`  s${i}:`, `    argv: [sleep, "300"]`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    const up = await cli(home, ['up', '-f', file], { env: { SENTINEL_LOG_LEVEL: 'debug' } });
    expect(up.stderr).toBe('');
    expect(up.code).toBe(0);
    const log = path.join(home, 'daemon.log');
    const collected = () => existsSync(log) && readFileSync(log, 'utf8').includes('IDLE_GC');
    expect(await waitFor(collected, 20_000, 200)).toBe(true);
    // one collection for the burst, not one per change
    expect(readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('IDLE_GC'))).toHaveLength(1);
  }, 60_000);
});
