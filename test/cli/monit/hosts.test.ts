// monit --hosts as pure functions: the HOST column, one line per unreachable host, the H host filter, and
// rows of other hosts that are selected apart from same-named local ones and act through hosts.act.
import { describe, expect, it } from 'vitest';
import { parseKeys, press, type Effect } from '../../../src/cli/monit/keys.js';
import { render } from '../../../src/cli/monit/render.js';
import { initialState, rowKey, withRows, type MonitState, type Row } from '../../../src/cli/monit/state.js';

const row = (name: string, host?: string): Row => ({ name, status: 'running', pid: 1, cpu: 0, memory: 0, restarts: 0, health: null, uptimeMs: 0, ...(host ? { host } : {}) });
const rows = [row('web', 'local'), row('web', 'b1'), row('db', 'b2')];
const base = (extra: Partial<MonitState> = {}) =>
  withRows(initialState({ width: 100, height: 20, role: 'admin', hosts: ['local', 'b1', 'b2', 'down'], ...extra }), rows, [{ host: 'down', error: 'no answer within 5000 ms' }]);

function run(s: MonitState, input: string): { state: MonitState; effects: Effect[] } {
  const effects: Effect[] = [];
  for (const k of parseKeys(input)) {
    const r = press(s, k);
    s = r.state;
    if (r.effect) effects.push(r.effect);
  }
  return { state: s, effects };
}

describe('monit --hosts', () => {
  it('shows a HOST column, every row with its host, and the unreachable host as one line', () => {
    const lines = render(base());
    const title = lines.find((l) => l.includes('NAME'))!;
    expect(title).toMatch(/NAME\s+HOST\s+STATE/);
    expect(lines.filter((l) => /^\s*[> ] web\s+(local|b1)\s+running/.test(l))).toHaveLength(2);
    expect(lines.some((l) => /db\s+b2\s+running/.test(l))).toBe(true);
    expect(lines.filter((l) => l.includes('down: unreachable: no answer within 5000 ms'))).toHaveLength(1);
    expect(lines[0]).toContain('4 hosts (1 unreachable)');
  });

  it('without --hosts there is no HOST column (the single-host view is unchanged)', () => {
    const s = withRows(initialState({ width: 100, height: 20 }), [row('web')]);
    expect(render(s).find((l) => l.includes('NAME'))).not.toContain('HOST');
  });

  it('selects same-named rows of different hosts apart', () => {
    const s = base();
    expect(s.selected).toBe('web');
    const down = run(s, 'j').state;
    expect(down.selected).toBe('b1/web');
    expect(rowKey(row('web', 'b1'))).toBe('b1/web');
    expect(rowKey(row('web', 'local'))).toBe('web');
  });

  it('H cycles all hosts → local → b1 → b2 → down → all', () => {
    let s = base();
    const seen: Array<string | null> = [];
    for (let i = 0; i < 5; i++) {
      s = run(s, 'H').state;
      seen.push(s.hostFilter);
    }
    expect(seen).toEqual(['local', 'b1', 'b2', 'down', null]);
    const onB2 = run(base(), 'HHH').state;
    const lines = render(onB2);
    expect(lines.some((l) => /db\s+b2/.test(l))).toBe(true);
    expect(lines.some((l) => /web\s+(local|b1)/.test(l))).toBe(false);
    expect(lines.some((l) => l.includes('down: unreachable'))).toBe(false);
    expect(onB2.selected).toBe('b2/db');
  });

  it('an action on another host\'s row names that host (hosts.act); a local row\'s does not', () => {
    expect(run(base(), 'jr').effects).toEqual([{ kind: 'act', action: 'restart', name: 'web', host: 'b1' }]);
    expect(run(base(), 'jsy').effects).toEqual([{ kind: 'act', action: 'stop', name: 'web', host: 'b1' }]);
    expect(run(base(), 'r').effects).toEqual([{ kind: 'act', action: 'restart', name: 'web' }]);
    // a viewer's keys call nothing, whichever host
    const viewer = run(base({ role: 'viewer' }), 'jr');
    expect(viewer.effects).toEqual([]);
    expect(viewer.state.message?.error).toBe(true);
  });

  it('H without --hosts says how to get hosts', () => {
    const s = withRows(initialState({ width: 100, height: 20 }), [row('web')]);
    const r = run(s, 'H').state;
    expect(r.hostFilter).toBeNull();
    expect(r.message?.text).toContain('monit --hosts');
  });
});
