// The plan of a deploy is a pure function: checked here step by step for each strategy.
import { describe, expect, it } from 'vitest';
import { planDeploy, rollingSteps } from '../../src/cluster/plan.js';
import type { DeployOptions } from '../../src/store/deploys.js';

const O: DeployOptions = { maxSurge: 1, maxUnavailable: 0, minHealthyMs: 0, canaryWeight: 0.1, canaryInstances: 1, bakeMs: 5000, maxErrorRate: 0.01, drainMs: 0 };
const short = (steps: ReturnType<typeof rollingSteps>) => steps.map((s) => ('count' in s ? `${s.op}${s.count}` : s.op)).join(' ');

describe('deploy plans', () => {
  it('rolls with a surge: one new beside the old, then one old out, never below the count', () => {
    expect(short(rollingSteps(3, 3, O))).toBe('add1 retire1 add1 retire1 add1 retire1');
    expect(short(rollingSteps(4, 4, { maxSurge: 2, maxUnavailable: 0 }))).toBe('add2 retire2 add2 retire2');
  });

  it('rolls without a surge: old ones out first, at most max-unavailable at a time', () => {
    expect(short(rollingSteps(3, 3, { maxSurge: 0, maxUnavailable: 1 }))).toBe('retire1 add1 retire1 add1 retire1 add1');
  });

  it('grows and shrinks while rolling', () => {
    expect(short(rollingSteps(1, 3, O))).toBe('add1 retire1 add1 add1');
    expect(short(rollingSteps(3, 1, O))).toBe('add1 retire3');
  });

  it('refuses a plan that could never replace anything', () => {
    expect(() => rollingSteps(2, 2, { maxSurge: 0, maxUnavailable: 0 })).toThrow(/both 0: nothing could ever be replaced/);
  });

  it('blue/green starts the whole new set out of traffic, switches, then retires the old set', () => {
    expect(short(planDeploy('blue-green', 2, 3, O))).toBe('add3 switch retire2');
    expect(planDeploy('blue-green', 2, 3, O)[0]).toEqual({ op: 'add', count: 3, weight: 'none' });
  });

  it('canary: canaries, bake, promote, then the rest rolled', () => {
    expect(short(planDeploy('canary', 2, 2, O))).toBe('add1 bake promote add1 retire2');
    expect(planDeploy('canary', 2, 2, O)[1]).toEqual({ op: 'bake', ms: 5000 });
  });

  it('a new definition just starts its instances, whatever the strategy', () => {
    for (const s of ['rolling', 'blue-green', 'canary'] as const) expect(short(planDeploy(s, 0, 2, O))).toBe('add2');
  });
});
