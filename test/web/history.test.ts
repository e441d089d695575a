// The process page's CPU/memory history: the daemon's metrics.history series read for the one instance
// shown, merged with live samples taken before it arrived; no call at all when the daemon has no history.
import { describe, expect, it } from 'vitest';
import { History } from '../../web/views/history.js';
import type { Api } from '../../web/api.js';

function fakeApi(answer: unknown, withOp = true): { api: Api; calls: Array<[string, unknown]> } {
  const calls: Array<[string, unknown]> = [];
  const ops = new Map(withOp ? [['metrics.history', { name: 'metrics.history', method: 'GET', path: '/v1/metrics/history', permission: 'viewer', kind: 'read', bodyKeys: ['ref', 'since'] }]] : []);
  const api = {
    ops,
    allowed: (op: string) => ops.has(op),
    call: async (op: string, params: unknown) => {
      calls.push([op, params]);
      return answer;
    },
  } as unknown as Api;
  return { api, calls };
}

describe('History', () => {
  it('reads the series of the instance shown, skipping a run\'s first CPU point (null)', async () => {
    const { api, calls } = fakeApi({
      stepMs: 5000, historyMs: 3_600_000,
      series: [
        { kind: 'process', name: 'web:1', points: [[1000, 99, 99]] },
        { kind: 'process', name: 'web', points: [[1000, null, 10], [2000, 5, 20], [3000, 7.5, 30]] },
      ],
    });
    const h = new History();
    expect(await h.load(api, 'web')).toBe(true);
    expect(calls).toEqual([['metrics.history', { ref: 'web' }]]);
    expect(h.cpu).toEqual([[2000, 5], [3000, 7.5]]);
    expect(h.memory).toEqual([[1000, 10], [2000, 20], [3000, 30]]);
  });

  it('keeps live samples newer than the history, drops older ones', async () => {
    const { api } = fakeApi({ series: [{ name: 'web', points: [[1000, 1, 10], [2000, 2, 20]] }] });
    const h = new History();
    h.add(1500, 50, 500);
    h.add(2500, 3, 30);
    await h.load(api, 'web');
    expect(h.cpu).toEqual([[1000, 1], [2000, 2], [2500, 3]]);
    expect(h.memory).toEqual([[1000, 10], [2000, 20], [2500, 30]]);
  });

  it('asks nothing of a daemon without metrics.history', async () => {
    const { api, calls } = fakeApi({}, false);
    const h = new History();
    h.add(1000, 1, 2);
    expect(await h.load(api, 'web')).toBe(false);
    expect(calls).toEqual([]);
    expect(h.cpu).toEqual([[1000, 1]]);
  });

  it('keeps at most 720 points', () => {
    const h = new History();
    for (let t = 1; t <= 1000; t++) h.add(t, t, t);
    expect(h.cpu.length).toBe(720);
    expect(h.cpu[0]).toEqual([281, 281]);
  });
});
