// Coalescing per process and event kind, through a real notifier to a real HTTP receiver.
import { afterEach, describe, expect, it } from 'vitest';
import { createCoalescer, createNotifier, summaryOf, type NotifyEvent } from '../../src/notify/index.js';
import { startReceiver, type Receiver } from './receiver.js';
import { waitFor } from '../helpers.js';

const closers: Array<{ close(): unknown }> = [];
afterEach(async () => { for (const c of closers.splice(0)) await c.close(); });

describe('notification coalescing', () => {
  it('says what the repeats were', () => {
    const last: NotifyEvent = { event: 'crash', process: 'web', exitCode: 1, reason: 'exit code 1: restarting' };
    expect(summaryOf(last, 37, 300_000)).toMatchObject({ event: 'crash', process: 'web', exitCode: 1, repeats: 37, reason: 'crashed 37 more times in the last 5 min; last: exit code 1: restarting' });
    expect(summaryOf({ event: 'unhealthy', process: 'api' }, 1, 30_000).reason).toBe('became unhealthy 1 more time in the last 30 s');
  });

  it('sends the first at once, then one summary per window for each process and kind', async () => {
    const rx = await startReceiver();
    closers.push(rx);
    const notifier = createNotifier({ global: { webhooks: [{ url: rx.url, events: ['crash', 'failed'] }] } }, { hostname: 'box' });
    const timers: Array<() => void> = [];
    const coalescer = createCoalescer({ windowMs: 300_000, setTimer: (fn) => timers.push(fn), clearTimer: () => undefined });
    closers.push(coalescer);
    const send = (e: NotifyEvent) => notifier.notify(e);
    const first = coalescer.push({ event: 'crash', process: 'web', exitCode: 1, reason: 'exit code 1: restarting' }, send);
    expect(first).not.toBeNull();
    await first;
    for (let i = 0; i < 37; i++) expect(coalescer.push({ event: 'crash', process: 'web', exitCode: 1, reason: `exit code 1: restarting (${i})` }, send)).toBeNull();
    // another kind and another process have windows of their own
    await coalescer.push({ event: 'failed', process: 'web', reason: 'giving up' }, send);
    await coalescer.push({ event: 'crash', process: 'api', exitCode: 2 }, send);
    expect(rx.received).toHaveLength(3);
    timers[0]();
    expect(await waitFor(() => rx.received.length === 4)).toBe(true);
    const bodies = rx.received.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => [b.process, b.event, b.repeats])).toEqual([['web', 'crash', undefined], ['web', 'failed', undefined], ['api', 'crash', undefined], ['web', 'crash', 37]]);
    expect(bodies[3].reason).toBe('crashed 37 more times in the last 5 min; last: exit code 1: restarting (36)');
    // a window with no repeats closes quietly, and the next crash goes out at once again
    timers[1]();
    timers[2]();
    timers[3]();
    await coalescer.push({ event: 'crash', process: 'web', exitCode: 1 }, send);
    expect(rx.received).toHaveLength(5);
    // test messages are never held back
    expect(coalescer.push({ event: 'test', process: '*' }, send)).not.toBeNull();
  });
});
