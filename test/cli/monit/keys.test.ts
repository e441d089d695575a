// Keys as a pure reducer over the monitor's state, and the screen writer's changed-lines-only frames.
import { describe, expect, it } from 'vitest';
import { parseKeys, press, type Effect } from '../../../src/cli/monit/keys.js';
import { initialState, withRows, type MonitState, type Row } from '../../../src/cli/monit/state.js';
import { ENTER, LEAVE, Screen } from '../../../src/cli/monit/screen.js';

const row = (name: string): Row => ({ name, status: 'running', pid: 1, cpu: 0, memory: 0, restarts: 0, health: null, uptimeMs: 0 });
const base = (extra: Partial<MonitState> = {}) => withRows(initialState({ width: 80, height: 24, role: 'admin', ...extra }), ['web', 'worker', 'db'].map(row));

function run(s: MonitState, input: string): { state: MonitState; effects: Effect[] } {
  const effects: Effect[] = [];
  for (const k of parseKeys(input)) {
    const r = press(s, k);
    s = r.state;
    if (r.effect) effects.push(r.effect);
  }
  return { state: s, effects };
}

describe('parseKeys', () => {
  it('names arrows, pages, control keys and characters; an unknown sequence is one key', () => {
    expect(parseKeys('\x1b[A\x1b[B\x1bOA\x1b[5~\x1b[6~j')).toEqual(['up', 'down', 'up', 'pageup', 'pagedown', 'j']);
    expect(parseKeys('\r\x7f\x03\x0c\x1b')).toEqual(['enter', 'backspace', 'ctrl-c', 'ctrl-l', 'escape']);
    expect(parseKeys('\x1b[1;5Cq')).toEqual(['unknown', 'q']);
  });
});

describe('press', () => {
  it('moves the selection with arrows and j/k, staying within the rows', () => {
    expect(run(base(), 'j').state.selected).toBe('worker');
    expect(run(base(), 'jjjjj').state.selected).toBe('db');
    expect(run(base(), 'jk\x1b[A\x1b[A').state.selected).toBe('web');
    expect(run(base(), 'G').state.selected).toBe('db');
  });

  it('restarts and starts at once; stop asks first and only y confirms', () => {
    expect(run(base(), 'r').effects).toEqual([{ kind: 'act', action: 'restart', name: 'web' }]);
    expect(run(base(), 'jt').effects).toEqual([{ kind: 'act', action: 'start', name: 'worker' }]);
    const asked = run(base(), 's');
    expect(asked.effects).toEqual([]);
    expect(asked.state.mode).toBe('confirm');
    expect(run(asked.state, 'y').effects).toEqual([{ kind: 'act', action: 'stop', name: 'web' }]);
    const cancelled = run(asked.state, 'n');
    expect(cancelled.effects).toEqual([]);
    expect(cancelled.state.message?.text).toBe('Stop cancelled');
  });

  it('a viewer\'s keys do nothing but say which role it would need', () => {
    for (const key of ['r', 's', 't']) {
      const r = run(base({ role: 'viewer' }), key);
      expect(r.effects).toEqual([]);
      expect(r.state.mode).toBe('table');
      expect(r.state.message?.error).toBe(true);
    }
    expect(run(base({ role: 'viewer' }), 's').state.message?.text).toMatch(/^Your token's role \(viewer\) cannot stop processes/);
    expect(run(base({ role: 'operator' }), 'r').effects).toHaveLength(1);
    // a role the daemon did not say is left to the daemon
    expect(run(base({ role: null }), 'r').effects).toHaveLength(1);
  });

  it('filters by name: typed text narrows the rows, Enter keeps it, Esc clears it', () => {
    const typed = run(base(), '/wor');
    expect(typed.state.mode).toBe('filter');
    expect(typed.state.filter).toBe('wor');
    expect(typed.state.selected).toBe('worker');
    const kept = run(typed.state, '\r');
    expect(kept.state.mode).toBe('table');
    expect(run(kept.state, 'k').state.selected).toBe('worker');
    // q typed in the filter is text, not quit
    expect(run(base(), '/q').effects).toEqual([]);
    expect(run(typed.state, '\x7f\x7f\x7f').state.filter).toBe('');
    expect(run(kept.state, '\x1b').state.filter).toBe('');
  });

  it('help opens with ? and any key closes it; q and Ctrl-C quit', () => {
    const help = run(base(), '?');
    expect(help.state.mode).toBe('help');
    expect(run(help.state, 'x').state.mode).toBe('table');
    expect(run(base(), 'q').effects).toEqual([{ kind: 'quit' }]);
    expect(run(run(base(), '/').state, '\x03').effects).toEqual([{ kind: 'quit' }]);
  });

  it('keeps the selection on the same process when rows change order, else the first row', () => {
    const s = run(base(), 'j').state;
    expect(withRows(s, ['db', 'worker'].map(row)).selected).toBe('worker');
    expect(withRows(s, ['db', 'web'].map(row)).selected).toBe('db');
    expect(withRows(s, []).selected).toBe(null);
  });
});

describe('Screen', () => {
  it('writes only the lines that changed, nothing for an identical frame, and restores the terminal', () => {
    const out: string[] = [];
    const screen = new Screen({ write: (t: string) => out.push(t) });
    screen.enter();
    expect(out[0]).toBe(ENTER);
    expect(screen.draw(['a', 'b', 'c'])).toBe(3);
    expect(screen.draw(['a', 'B', 'c'])).toBe(1);
    expect(out[out.length - 1]).toBe('\x1b[2;1H\x1b[2KB\x1b[0m');
    const count = out.length;
    expect(screen.draw(['a', 'B', 'c'])).toBe(0);
    expect(out.length).toBe(count);
    screen.invalidate();
    expect(screen.draw(['a', 'B', 'c'])).toBe(3);
    screen.leave();
    screen.leave();
    expect(out.filter((t) => t === LEAVE)).toHaveLength(1);
    expect(LEAVE).toContain('\x1b[?25h');
    expect(LEAVE).toContain('\x1b[?1049l');
  });
});
