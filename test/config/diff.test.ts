// Reload plans: only what was added, changed or removed is touched.
import { describe, expect, it } from 'vitest';
import { formatPlan, planReload } from '../../src/config/diff.js';
import { toProcessSpecs } from '../../src/config/normalize.js';
import type { SentinelConfig } from '../../src/config/schema.js';

const specs = (config: SentinelConfig) => toProcessSpecs(config, { cwd: '/srv/app', baseEnv: { PATH: '/usr/bin' } });

describe('reload plan', () => {
  const before = specs({
    processes: {
      web: { command: 'node web.js', env: { PORT: '3000' } },
      worker: { command: 'node worker.js' },
      old: { command: 'node old.js' },
    },
  });
  const after = specs({
    processes: {
      web: { command: 'node web.js', env: { PORT: 3001 }, restart: 'always' },
      worker: { command: 'node worker.js' },
      fresh: { argv: ['node', 'fresh.js'] },
    },
  });

  it('sorts processes into added, changed, removed and unchanged, naming changed fields', () => {
    const plan = planReload(after, before);
    expect(plan.added.map((s) => s.name)).toEqual(['fresh']);
    expect(plan.removed.map((s) => s.name)).toEqual(['old']);
    expect(plan.unchanged).toEqual(['worker']);
    expect(plan.changed.map((c) => [c.name, c.fields])).toEqual([['web', ['env.PORT', 'restart.mode']]]);
  });

  it('finds nothing to do when the same file is loaded twice', () => {
    const plan = planReload(specs({ processes: { a: { command: 'x', depends_on: [] } } }), specs({ processes: { a: { command: 'x', depends_on: [] } } }));
    expect(plan.changed).toEqual([]);
    expect(plan.unchanged).toEqual(['a']);
  });

  it('prints the plan without env values', () => {
    expect(formatPlan(planReload(after, before))).toBe(
      [
        '+ fresh  (new: node fresh.js)',
        '~ web  (changed: env.PORT, restart.mode)',
        '- old  (removed)',
        '= 1 unchanged: worker',
        'Plan: 1 to add, 1 to change, 1 to remove.',
      ].join('\n'),
    );
  });
});
