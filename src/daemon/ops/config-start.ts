// Starting a stack in dependency order: every process starts as soon as what it depends on meets its
// condition, so independent processes start in parallel. A dependency that fails leaves its dependents
// visibly blocked (an event and the reason "waiting for db: failed (exit code 1)"), never silently stuck.
import { describeExit } from '../../core/restart-policy.js';
import type { Supervisor } from '../../core/supervisor.js';
import type { ProcessRecord } from '../../store/processes.js';
import type { Condition } from '../../config/dependencies.js';
import type { DependencyGraph } from '../../config/graph.js';
import type { Daemon } from '../context.js';

export type StartAction = 'start' | 'restart' | 'keep';

export interface StartOutcome {
  started: string[];
  failed: Array<{ name: string; error: string }>;
  blocked: Array<{ name: string; reason: string }>;
}

export const DEFAULT_WAIT_MS = 60_000;

/** How many starts share one transaction of state changes. */
const START_BATCH = 100;

interface Kick {
  blocked?: string;
  /** Time the start was asked for: an exit older than this belongs to an earlier run. */
  since: number;
}

type Verdict = 'ok' | string | null;

function exitText(rec: ProcessRecord): string {
  return rec.lastExit ? describeExit(rec.lastExit) : 'no exit status';
}

/** Whether a dependency meets its condition now: 'ok', a reason it never will, or null (keep waiting). */
export function checkCondition(rec: ProcessRecord, condition: Condition, since: number): Verdict {
  const s = rec.state;
  const exit = rec.lastExit;
  const exitedOk = s === 'exited' && !!exit && exit.exitCode === 0 && exit.startedAt >= since && !exit.stoppedByUs;
  const gone = (): string | null => {
    if (s === 'failed') return `failed (${rec.reason ?? exitText(rec)})`;
    if (s === 'exited') return `exited (${exitText(rec)})`;
    if (s === 'stopped') return 'stopped';
    return null; // starting, running, stopping or backoff (a restart is coming)
  };
  switch (condition) {
    case 'completed_successfully':
      if (exitedOk) return 'ok';
      if (s === 'exited') return `failed (${exitText(rec)})`;
      return gone();
    case 'started':
      if (s === 'starting' || s === 'running' || exitedOk) return 'ok';
      return gone();
    case 'healthy':
      // Only a configured health check sets record.health; without one, healthy means the same as ready.
      if (rec.spec.liveness !== null) return s === 'running' && rec.health === 'healthy' ? 'ok' : gone();
      return s === 'running' ? 'ok' : gone();
    case 'ready':
      return s === 'running' ? 'ok' : gone();
  }
}

/** Waits on the supervisor's events (and a slow poll, for health changes that emit none) until a verdict. */
export function waitCondition(sup: Supervisor, rec: ProcessRecord, condition: Condition, since: number, timeoutMs: number): Promise<'ok' | string> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (v: 'ok' | string) => {
      if (done) return;
      done = true;
      sup.off('state', onEvent);
      clearInterval(poll);
      clearTimeout(timer);
      resolve(v);
    };
    // judged on the next turn: an exit followed at once by an automatic restart is not a failure
    const judge = () => setImmediate(() => {
      // a start waiting for its runtime plugin's wrap has not begun yet: its state is still the old one
      if (sup.isWrapping(rec)) return;
      const v = checkCondition(rec, condition, since);
      if (v !== null) finish(v);
    });
    const onEvent = (ev: { processName: string | null }) => {
      if (ev.processName === rec.name) judge();
    };
    sup.on('state', onEvent);
    const poll = setInterval(judge, 250);
    const timer = setTimeout(() => finish(`timed out after ${Math.round(timeoutMs / 1000)}s waiting until ${condition} (state: ${rec.state})`), timeoutMs);
    judge();
  });
}

function waitTimeout(rec: ProcessRecord, override: number | undefined): number {
  if (override !== undefined) return override;
  const startup = rec.spec.readiness;
  return startup?.timeoutMs ?? DEFAULT_WAIT_MS;
}

/** Marks a process as blocked where people look: its reason (list/status) and an event. */
export function markBlocked(d: Daemon, rec: ProcessRecord, reason: string): void {
  rec.reason = reason;
  d.processes.update(rec.id, { reason });
  d.supervisor.note(rec, 'blocked', reason);
}

/**
 * Runs `actions` (start, restart or keep as is) over the processes of a graph. A process is started
 * once each dependency met its condition; `keep` processes are only waited on.
 */
export async function startInOrder(
  d: Daemon,
  actor: string,
  graph: DependencyGraph,
  actions: Map<string, StartAction>,
  opts: { timeoutMs?: number } = {},
): Promise<StartOutcome> {
  const sup = d.supervisor;
  const outcome: StartOutcome = { started: [], failed: [], blocked: [] };
  const kicks = new Map<string, Promise<Kick>>();
  const running: Promise<void>[] = [];

  const problemWith = async (dep: { name: string; condition: Condition }): Promise<string | null> => {
    const rec = sup.find(dep.name);
    if (!rec) return `waiting for ${dep.name}: it is not defined`;
    const kick = await kickoff(dep.name);
    if (kick.blocked) return `waiting for ${dep.name}: blocked (${kick.blocked})`;
    const verdict = await waitCondition(sup, rec, dep.condition, kick.since, waitTimeout(rec, opts.timeoutMs));
    return verdict === 'ok' ? null : `waiting for ${dep.name}: ${verdict}`;
  };

  const kickoff = (name: string): Promise<Kick> => {
    let kick = kicks.get(name);
    if (!kick) {
      kick = (async (): Promise<Kick> => {
        const rec = sup.find(name);
        const action = actions.get(name) ?? 'keep';
        if (!rec || action === 'keep') return { since: 0 };
        // no await without dependencies: the start happens now, inside the caller's startingTogether
        const deps = graph.dependenciesOf(name);
        const problems = deps.length > 0 ? await Promise.all(deps.map(problemWith)) : [];
        const problem = problems.find((p): p is string => p !== null);
        if (problem) {
          markBlocked(d, rec, problem);
          outcome.blocked.push({ name, reason: problem });
          return { blocked: problem, since: 0 };
        }
        const since = Date.now();
        // every instance of the definition: a restart stops the live ones, then all that are not live start
        const members = sup.instancesOf(name);
        try {
          if (action === 'restart') await Promise.all(members.filter((m) => sup.isLive(m)).map((m) => sup.stop(m, actor, { reason: 'configuration changed' })));
          // start() spawns before its first await: each instance is 'starting' once this returns
          const starts = members.filter((m) => !sup.isLive(m)).map((m) => sup.start(m, actor));
          running.push(Promise.all(starts).then(
            () => void outcome.started.push(name),
            (err: Error) => void outcome.failed.push({ name, error: err.message }),
          ));
        } catch (err) {
          outcome.failed.push({ name, error: (err as Error).message });
        }
        return { since };
      })();
      kicks.set(name, kick);
    }
    return kick;
  };

  // the processes without dependencies start here and now, a batch at a time: its children spawned
  // together from a few threads, its state changes written in one commit (not one per process); a batch
  // bounds what a daemon crash could leave running but unrecorded to the spawns of one batch
  const names = [...actions.keys()];
  // their log files opened ahead, together (LogPort.openAhead); those not taken by a start closed after
  const free = names.filter((n) => actions.get(n) === 'start' && graph.dependenciesOf(n).length === 0).flatMap((n) => sup.instancesOf(n));
  const release = free.length > 1 ? await sup.prepareStarts(free) : () => undefined;
  const kicked: Promise<Kick>[] = [];
  try {
    for (let i = 0; i < names.length; i += START_BATCH) kicked.push(...sup.startingTogether(() => names.slice(i, i + START_BATCH).map(kickoff)));
  } finally {
    release();
  }
  await Promise.all(kicked);
  await Promise.all(running);
  return outcome;
}
