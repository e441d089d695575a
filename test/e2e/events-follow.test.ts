// `events --follow` over the real socket: new events arrive with their ids, in order, for a definition's
// every instance, and answers pass the result check the suite turns on (SENTINEL_CHECK_RESULTS).
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, tempHome, waitFor } from '../helpers.js';

interface Ev { id: number; processName: string | null; newState: string | null }

let home: string;
beforeAll(async () => {
  home = tempHome('sn-evf-');
  expect((await cli(home, ['daemon', 'start'])).code).toBe(0);
});
afterAll(async () => {
  await cleanupHome(home);
});

describe('events --follow', () => {
  it('streams the new events of every instance of a definition, each with its id, in order', async () => {
    const seen: Ev[] = [];
    const errors: string[] = [];
    const req = http.get({ socketPath: path.join(home, 'sentinel.sock'), path: '/v1/events?follow=true&name=ev&limit=1' }, (res) => {
      let buf = '';
      res.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = JSON.parse(buf.slice(0, nl)) as Ev & { error?: { message: string } };
          buf = buf.slice(nl + 1);
          if (line.error) errors.push(line.error.message);
          else seen.push(line);
        }
      });
    });
    try {
      expect((await cli(home, ['run', '--name', 'ev', '--instances', '2', 'sleep 300'])).code).toBe(0);
      expect((await cli(home, ['run', '--name', 'other', 'sleep 300'])).code).toBe(0);
      expect(await waitFor(() => seen.filter((e) => e.newState === 'running').length >= 2)).toBe(true);
      expect(errors).toEqual([]);
      expect(seen.every((e) => typeof e.id === 'number' && e.id > 0)).toBe(true);
      expect(seen.map((e) => e.id)).toEqual([...seen.map((e) => e.id)].sort((a, b) => a - b));
      expect(new Set(seen.map((e) => e.processName))).toEqual(new Set(['ev', 'ev:1']));
    } finally {
      req.destroy();
    }
  });
});
