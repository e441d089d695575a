// Notifier plugins as notification channels: routed per process beside webhooks, a failed plugin is a
// failed delivery (never a throw), and the events a channel gets by default are the ones a plugin gets.
import { describe, expect, it } from 'vitest';
import { createNotifier } from '../../src/notify/notifier.js';
import type { NotifyPayload } from '../../src/notify/types.js';

describe('notifier plugins', () => {
  it('deliver a process\'s events to the plugins it names, and record a failure as a failed delivery', async () => {
    const got: Array<[string, NotifyPayload]> = [];
    const notifier = createNotifier(
      { global: { plugins: ['all'] }, processes: { web: { plugins: ['pager', 'broken'] } } },
      {
        hostname: 'box',
        sendPlugin: async (name, payload) => {
          if (name === 'broken') throw new Error('plugin "broken": no answer to notify within 5000 ms');
          got.push([name, payload]);
        },
      },
    );
    const results = await notifier.notify({ event: 'crash', process: 'web', exitCode: 1, reason: 'exit 1', time: 0 });
    expect(got.map(([n]) => n).sort()).toEqual(['all', 'pager']);
    expect(got[0][1]).toEqual({ event: 'crash', process: 'web', exitCode: 1, signal: null, reason: 'exit 1', time: '1970-01-01T00:00:00.000Z', host: 'box' });
    expect(results.map((r) => [r.channel, r.target, r.ok]).sort()).toEqual([['plugin', 'all', true], ['plugin', 'broken', false], ['plugin', 'pager', true]]);
    expect(results.find((r) => r.target === 'broken')?.error).toBe('plugin "broken": no answer to notify within 5000 ms');
    // another process gets only the global plugin
    got.length = 0;
    await notifier.notify({ event: 'failed', process: 'db' });
    expect(got.map(([n]) => n)).toEqual(['all']);
  });

  it('a plugin named twice (globally and by the process) is called once', async () => {
    const names: string[] = [];
    const notifier = createNotifier({ global: { plugins: ['pager'] }, processes: { web: { plugins: ['pager'] } } }, { sendPlugin: async (n) => void names.push(n) });
    await notifier.notify({ event: 'unhealthy', process: 'web' });
    expect(names).toEqual(['pager']);
  });

  it('without a plugin host, a plugin channel fails its delivery with a reason', async () => {
    const notifier = createNotifier({ processes: { web: { plugins: ['pager'] } } });
    const [r] = await notifier.notify({ event: 'crash', process: 'web' });
    expect(r).toMatchObject({ channel: 'plugin', target: 'pager', ok: false, error: 'no plugin host' });
  });
});
