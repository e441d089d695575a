// The plan of a deploy: a pure function of (strategy, how many instances run, how many should, options).
// Each step is stored before the engine takes it (src/cluster/deploy.ts).
import { SentinelError } from '../core/errors.js';
import type { DeployOptions, DeployStep, Strategy } from '../store/deploys.js';

/**
 * Rolling: `maxSurge` new instances at a time beside the old ones, each batch followed by as many old
 * ones retired; with no surge, `maxUnavailable` old ones go first and their replacements follow.
 */
export function rollingSteps(oldCount: number, newCount: number, o: Pick<DeployOptions, 'maxSurge' | 'maxUnavailable'>): DeployStep[] {
  if (o.maxSurge < 1 && o.maxUnavailable < 1) {
    throw new SentinelError('INVALID_ARGUMENT', 'max surge and max unavailable are both 0: nothing could ever be replaced; give --max-surge 1 (start one new instance before stopping an old one) or --max-unavailable 1');
  }
  const steps: DeployStep[] = [];
  let old = oldCount;
  let added = 0;
  while (added < newCount || old > 0) {
    if (o.maxSurge > 0) {
      const k = Math.min(o.maxSurge, newCount - added);
      if (k > 0) steps.push({ op: 'add', count: k, weight: 'normal' });
      added += k;
      const r = added >= newCount ? old : Math.min(k, old);
      if (r > 0) steps.push({ op: 'retire', count: r });
      old -= r;
    } else {
      const r = Math.min(o.maxUnavailable, old);
      if (r > 0) steps.push({ op: 'retire', count: r });
      old -= r;
      const k = old === 0 ? newCount - added : Math.min(o.maxUnavailable, newCount - added);
      if (k > 0) steps.push({ op: 'add', count: k, weight: 'normal' });
      added += k;
    }
  }
  return steps;
}

export function planDeploy(strategy: Strategy, oldCount: number, newCount: number, o: DeployOptions): DeployStep[] {
  if (oldCount === 0) return [{ op: 'add', count: newCount, weight: 'normal' }];
  if (strategy === 'rolling') return rollingSteps(oldCount, newCount, o);
  if (strategy === 'blue-green') return [{ op: 'add', count: newCount, weight: 'none' }, { op: 'switch' }, { op: 'retire', count: oldCount }];
  const canaries = Math.min(o.canaryInstances, newCount);
  return [
    { op: 'add', count: canaries, weight: 'canary' },
    { op: 'bake', ms: o.bakeMs },
    { op: 'promote' },
    ...rollingSteps(oldCount, newCount - canaries, { maxSurge: Math.max(o.maxSurge, 1), maxUnavailable: o.maxUnavailable }),
  ];
}

/** One line per step, for --dry-run and status. */
export function describeStep(s: DeployStep): string {
  switch (s.op) {
    case 'add':
      return `start ${s.count} new instance${s.count === 1 ? '' : 's'}${s.weight === 'none' ? ' (no traffic yet)' : s.weight === 'canary' ? ' as canary' : ''}, wait until ready and healthy`;
    case 'retire':
      return `take ${s.count} old instance${s.count === 1 ? '' : 's'} out of traffic, drain, stop`;
    case 'switch':
      return 'switch all traffic to the new instances';
    case 'bake':
      return `watch the canary for ${Math.round(s.ms / 100) / 10}s (health, restarts, error rate)`;
    case 'promote':
      return 'promote the canary to full traffic';
  }
}
