// The autoscaler in the daemon: every tick it samples the tree-wide CPU and memory of each scaled
// definition's running instances, keeps the samples taken since its count last changed, and asks the
// decision function (autoscaler.ts) — or the definition's custom policy (a command, a module, or a scaling
// plugin's decide()) — what to do. A decision is carried out by `scaleTo` (the same path as `sentinel
// scale`), its reason the event's. Every policy's answer goes through the same decidePolicy: clamped to
// min..max, held by the cooldown; one that fails, hangs or answers garbage is one event, and the count stays.
import type { Supervisor } from '../core/supervisor.js';
import type { ScalePolicy, ScaleSection } from '../core/spec.js';
import type { DecideRequest, DecideResult } from '../plugins/types.js';
import type { ProcessRecord } from '../store/processes.js';
import type { UsageSampler } from '../daemon/metrics.js';
import { decidePolicy, decideScale, readPolicyAnswer, SCALE_UP_PERIOD_MS, type ScaleDecision, type ScaleSample } from './autoscaler.js';
import { runPolicy } from './policy.js';

export interface AutoscaleDeps {
  supervisor: Supervisor;
  /** The autoscaler's own sampler (CPU is a difference between two of its samples). */
  usage: UsageSampler;
  scaleTo(name: string, to: number, reason: string): Promise<unknown>;
  /** Something went wrong that the user should see (a policy that failed, a scale that did not work). */
  warn(rec: ProcessRecord, kind: string, reason: string): void;
  /** Asks a scaling plugin (the daemon's plugin host); absent: a plugin policy fails with a clear reason. */
  decide?(plugin: string, request: Omit<DecideRequest, 'options'> & { options: Record<string, unknown> }, timeoutMs: number): Promise<DecideResult>;
  now?: () => number;
}

/** A policy's wanted count and who answered it, for the event ("policy", or "plugin NAME (its reason)"). */
type Answer = { count: number; said: string };

interface State {
  samples: ScaleSample[];
  lastChangeAt: number | null;
  /** A change is in progress: the tick leaves this definition alone. */
  busy: boolean;
  /** Its policy is running: not asked again until it answers. */
  asking: boolean;
  lastError: string | null;
  key: string;
  /** Counts before each change of the last minute: the scale-up limit counts from the lowest. */
  recent: Array<{ at: number; from: number }>;
}

/** How often a definition is sampled: a quarter of its shorter window, from 100 ms to 5 s. */
export function tickMs(scale: ScaleSection): number {
  return Math.min(5000, Math.max(100, Math.floor(Math.min(scale.upAfterMs, scale.downAfterMs) / 4)));
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export function startAutoscaler(deps: AutoscaleDeps): { close(): void; tick(): void; notice(rec: ProcessRecord): void } {
  const sup = deps.supervisor;
  const now = deps.now ?? Date.now;
  const states = new Map<string, State>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const act = (st: State, name: string, decision: ScaleDecision) => {
    st.busy = true;
    st.recent.push({ at: now(), from: sup.instancesOf(name).length });
    deps.scaleTo(name, decision.to, decision.reason)
      .catch((err: Error) => {
        const first = sup.instancesOf(name)[0];
        if (first) deps.warn(first, 'scale-failed', `could not scale to ${decision.to}: ${err.message}`);
      })
      .finally(() => {
        st.busy = false;
        st.lastChangeAt = now();
        st.samples = [];
      });
  };

  const policyFailed = (st: State, first: ProcessRecord, why: string) => {
    // said once until it answers well again: a broken policy does not flood the events
    if (st.lastError !== why) deps.warn(first, 'scale-policy-failed', `${why}; keeping ${sup.instancesOf(first.name).length} instances`);
    st.lastError = why;
  };

  const askPlugin = async (policy: ScalePolicy, plugin: { name: string; options: Record<string, unknown> }, request: Omit<DecideRequest, 'options'>): Promise<Answer> => {
    if (!deps.decide) throw new Error(`scale policy plugin "${plugin.name}": this daemon has no plugin host`);
    const answer = await deps.decide(plugin.name, { ...request, options: plugin.options }, policy.timeoutMs);
    return { count: answer.instances, said: `plugin ${plugin.name}${answer.reason ? ` (${answer.reason})` : ''}` };
  };

  const tick = () => {
    const seen = new Set<string>();
    for (const first of sup.list()) {
      const scale = first.spec.scale;
      if (first.instance !== 0 || !scale) continue;
      const name = first.name;
      seen.add(name);
      const key = JSON.stringify(scale);
      let st = states.get(name);
      if (!st || st.key !== key) {
        st = { samples: [], lastChangeAt: st?.lastChangeAt ?? null, busy: false, asking: false, lastError: null, key, recent: st?.recent ?? [] };
        states.set(name, st);
      }
      if (st.busy || st.asking) continue;
      const members = sup.instancesOf(name);
      const running = members.filter((m) => m.state === 'running' && m.pid);
      // a stopped definition is not scaled; one still starting is measured once it runs
      if (running.length === 0) {
        st.samples = [];
        continue;
      }
      const usage = deps.usage.sample(running.map((m) => m.pid!));
      const per = running.map((m) => ({ instance: m.instance, pid: m.pid!, ...usage.get(m.pid!) }));
      const at = now();
      const sample: ScaleSample = {
        at,
        cpuPercent: mean(per.map((u) => u.cpuPercent).filter((v): v is number => typeof v === 'number')),
        memoryBytes: mean(per.map((u) => u.memoryBytes).filter((v): v is number => typeof v === 'number')),
      };
      st.samples.push(sample);
      const keep = Math.max(scale.upAfterMs, scale.downAfterMs) + 2 * tickMs(scale);
      while (st.samples.length > 1 && st.samples[0].at < at - keep) st.samples.shift();
      const count = members.length;
      if (scale.policy) {
        const policy = scale.policy;
        const state = st;
        state.asking = true;
        const metrics = {
          name, instances: count, min: scale.min, max: scale.max,
          cpuPercent: sample.cpuPercent, memoryBytes: sample.memoryBytes,
          perInstance: per.map((u) => ({ instance: u.instance, pid: u.pid, cpuPercent: u.cpuPercent ?? null, memoryBytes: u.memoryBytes ?? null })),
          samples: state.samples.slice(-20),
        };
        const asked: Promise<Answer | { error: string }> = policy.plugin
          ? askPlugin(policy, policy.plugin, {
            process: name, instances: count, min: scale.min, max: scale.max, now: at,
            metrics: per.map((u) => ({ instance: u.instance, cpuPercent: u.cpuPercent ?? null, rssBytes: u.memoryBytes ?? null })),
          })
          : runPolicy(policy, metrics, { cwd: first.spec.cwd, env: first.spec.env }).then((out) => {
            const answer = readPolicyAnswer(out);
            return 'error' in answer ? { error: `the scale policy's answer is not usable: ${answer.error}` } : { count: answer.count, said: 'policy' };
          });
        asked
          .then((answer) => {
            if ('error' in answer) return policyFailed(state, first, answer.error);
            state.lastError = null;
            const decision = decidePolicy(scale, sup.instancesOf(name).length, answer.count, now(), state.lastChangeAt, answer.said);
            if (decision && !closed) act(state, name, decision);
          })
          .catch((err: Error) => policyFailed(state, first, err.message))
          .finally(() => {
            state.asking = false;
          });
        continue;
      }
      st.recent = st.recent.filter((c) => c.at > at - SCALE_UP_PERIOD_MS);
      const minuteAgo = Math.min(count, ...st.recent.map((c) => c.from));
      const decision = decideScale(scale, count, st.samples, at, st.lastChangeAt, minuteAgo);
      if (decision) act(st, name, decision);
    }
    for (const name of states.keys()) if (!seen.has(name)) states.delete(name);
  };

  // the timer runs only while a definition scales: a daemon without one has nothing to sample
  const schedule = () => {
    timer = undefined;
    if (closed) return;
    const scaled = sup.list().filter((r) => r.instance === 0 && r.spec.scale).map((r) => tickMs(r.spec.scale!));
    // no definition scales any more: one last tick forgets their states, then nothing until notice()
    if (scaled.length === 0 && states.size === 0) return;
    timer = setTimeout(() => {
      try {
        tick();
      } finally {
        schedule();
      }
    }, scaled.length ? Math.min(...scaled) : 5000);
    timer.unref?.();
  };
  schedule();

  return {
    tick,
    /** A record was created or its spec changed: the timer starts again if it scales. */
    notice(rec) {
      if (rec.spec.scale && !timer && !closed) schedule();
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}
