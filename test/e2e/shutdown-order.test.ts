// A daemon that stops stops its processes in waves: what depends on a process stops before it does, and
// processes that nothing links stop together (their stops overlap). Real daemon, real processes.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, tempHome } from '../helpers.js';

interface Ev { processName: string | null; oldState: string | null; newState: string | null; time: number; id: number }

describe('daemon shutdown', () => {
  it('stops dependents before what they need, and independent processes together', async () => {
    const home = tempHome();
    try {
      const file = path.join(home, 'stack.yaml');
      // each takes 300 ms to end on SIGTERM, so overlapping stops are visible in the event times
      const slow = `trap 'sleep 0.3; exit 0' TERM; while true; do sleep 0.05; done`;
      writeFileSync(file, [
        'processes:',
        `  db: {command: "${slow}"}`,
        `  api: {command: "${slow}", depends_on: [db]}`,
        `  web: {command: "${slow}", depends_on: [api]}`,
        ...['a', 'b', 'c', 'd'].map((n) => `  free-${n}: {command: "${slow}"}`),
        '',
      ].join('\n'));
      expect((await cli(home, ['up', '-f', file])).code).toBe(0);
      expect((await cli(home, ['daemon', 'stop'])).code).toBe(0);
      // the next daemon reads the events the last one wrote
      const { events } = await cliJson<{ events: Ev[] }>(home, ['events', '--json', '-n', '200']);
      const at = (name: string, state: string) => {
        const e = events.find((x) => x.processName === name && x.newState === state);
        expect(e, `${name} → ${state}`).toBeDefined();
        return e!.id;
      };
      // web stopped before api began stopping, api before db
      expect(at('web', 'stopped')).toBeLessThan(at('api', 'stopping'));
      expect(at('api', 'stopped')).toBeLessThan(at('db', 'stopping'));
      // the independent ones were all asked to stop before any of them had stopped
      const firstStopped = Math.min(...['a', 'b', 'c', 'd'].map((n) => at(`free-${n}`, 'stopped')));
      for (const n of ['a', 'b', 'c', 'd']) expect(at(`free-${n}`, 'stopping')).toBeLessThan(firstStopped);
    } finally {
      await cleanupHome(home);
    }
  }, 60_000);
});
