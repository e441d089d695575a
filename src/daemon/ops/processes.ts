// Process operations: run, list, status, start, stop, restart, delete, clean and the bulk forms.
import { pluginRefProblems } from '../../plugins/check-refs.js';
import { hasIdentity, resolveIdentity } from '../../isolation/identity.js';
import { readStat } from '../../core/proc.js';
import { SentinelError } from '../../core/errors.js';
import type { ProcessRecord } from '../../store/processes.js';
import type { Daemon, Handlers } from '../context.js';
import { specFromParams } from './spec-from-params.js';
import { displayName, instanceKey } from '../../core/instances.js';
import { viewProcess, type ProcessView } from './view.js';
import { assignPort, releaseOwnedPorts } from './ports.js';
import { purgeProcessLogs } from './logs.js';
import { checkPortMode } from '../../cluster/scale-config.js';

/** `started`: these processes were started by the current request (see UsageSampler.sampleStarted). */
export function views(d: Daemon, recs: ProcessRecord[], started = false): ProcessView[] {
  const live = recs.filter((r) => r.pid && d.supervisor.isLive(r));
  const pids = live.map((r) => r.pid!);
  const usage = started ? d.usage.sampleStarted(pids) : d.usage.sample(pids);
  const now = Date.now();
  // a container's usage is the runtime's figure (its processes are not in the client's tree)
  const usageOf = (r: ProcessRecord) => (r.spec.container ? d.containers?.usageOf(r.name, r.instance) : undefined) ?? (r.pid ? usage.get(r.pid) : undefined);
  return recs.map((r) => viewProcess(r, usageOf(r), d.paths.logsDir, now, d.supervisor.storageWarning));
}

/** Reads the usage of the live containers among `recs` from their runtimes (list and status show it). */
async function refreshContainerUsage(d: Daemon, recs: ProcessRecord[]): Promise<void> {
  const runtimes = recs.filter((r) => r.spec.container && d.supervisor.isLive(r)).map((r) => r.spec.container!.runtime);
  if (runtimes.length > 0) await d.containers?.refreshUsage(runtimes);
}

function wantWait(p: { noWait?: boolean }): boolean {
  return p.noWait !== true;
}

/** Runs an action over many processes at once; failures are reported per process, never thrown away. */
async function each(
  d: Daemon,
  recs: ProcessRecord[],
  action: (rec: ProcessRecord) => Promise<unknown>,
): Promise<{ results: Array<{ name: string; ok: boolean; error?: { code: string; message: string } }>; processes: ProcessView[] }> {
  const settled = await Promise.allSettled(recs.map((r) => action(r)));
  const results = settled.map((s, i) =>
    s.status === 'fulfilled'
      ? { name: recs[i].name, ok: true }
      : { name: recs[i].name, ok: false, error: { code: (s.reason as SentinelError).code ?? 'INTERNAL', message: (s.reason as Error).message } },
  );
  return { results, processes: views(d, recs) };
}

/** Acts on instances in parallel; the first failure is the answer's error once all have settled. */
async function startAll(members: ProcessRecord[], action: (rec: ProcessRecord) => Promise<unknown>): Promise<void> {
  const settled = await Promise.allSettled(members.map(action));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Runs `act` on every record, each definition once what it depends on (among these records) has been
 * started — independent ones at once, so one slow readiness check holds up only its dependents.
 */
function dependencyOrdered(recs: ProcessRecord[], act: (rec: ProcessRecord) => Promise<unknown>): Map<ProcessRecord, Promise<unknown>> {
  const byDefinition = new Map<string, ProcessRecord[]>();
  for (const r of recs) byDefinition.set(r.name, [...(byDefinition.get(r.name) ?? []), r]);
  const done = new Map<string, Promise<unknown>>();
  const results = new Map<ProcessRecord, Promise<unknown>>();
  const run = (name: string, path: Set<string>): Promise<unknown> => {
    const known = done.get(name);
    if (known) return known;
    const members = byDefinition.get(name) ?? [];
    const deps = Object.keys(members[0]?.spec.source.dependsOn ?? {}).filter((n) => byDefinition.has(n) && !path.has(n));
    // a dependency that fails does not stop its dependents here: their own start reports what happens
    const before = Promise.all(deps.map((n) => run(n, new Set([...path, n])).catch(() => undefined)));
    const all = Promise.all(members.map((m) => {
      const started = before.then(() => act(m));
      results.set(m, started);
      return started;
    }));
    all.catch(() => undefined);
    done.set(name, all);
    return all;
  };
  for (const name of byDefinition.keys()) run(name, new Set([name]));
  return results;
}

type ProcessOp = 'run' | 'list' | 'status' | 'start' | 'stop' | 'restart' | 'delete' | 'clean' | 'stopall' | 'startall' | 'restartall' | 'events';

/** The scope a process is tied to: a pid that runs now, with its start time. */
function scopeOf(pid: number): { pid: number; startTime: number } {
  const st = readStat(pid);
  if (!st || st.state === 'Z' || st.state === 'X') {
    throw new SentinelError('INVALID_ARGUMENT', `scope ${pid}: no process ${pid} is running; give the pid of a running shell or job (the CLI's "--scope parent" is the shell it was called from)`);
  }
  return { pid, startTime: st.startTime };
}

export function processOps(d: Daemon): Handlers<ProcessOp> {
  const sup = d.supervisor;
  const answer = (members: ProcessRecord[], started = false) => {
    const all = views(d, members, started);
    return members.length > 1 ? { process: all[0], instances: all } : { process: all[0] };
  };
  return {
    async run(p, ctx) {
      const spec = await specFromParams(p, {
        groupEnv: (g) => d.groups.get(g)?.env ?? {},
        globalEnvFile: d.paths.globalEnv,
        takenNames: (n) => sup.find(n) !== undefined,
      });
      if (hasIdentity(spec.identity)) resolveIdentity(spec.identity);
      const pluginProblems = pluginRefProblems(spec, d.plugins, { health: '--health-plugin', notify: '--notify-plugin', wrap: '--wrap' });
      if (pluginProblems.length) throw new SentinelError('INVALID_ARGUMENT', pluginProblems.join('; '));
      if (p.scope !== undefined) spec.scope = scopeOf(p.scope);
      if (sup.find(spec.name)) {
        throw new SentinelError('NAME_TAKEN', `a process named "${spec.name}" already exists; choose another --name or "sentinel delete ${spec.name}" first`);
      }
      if (await d.call('schedule.get', { name: spec.name }).then(() => true, () => false)) {
        throw new SentinelError('NAME_TAKEN', `a schedule named "${spec.name}" already exists; schedules and processes share names, so choose another --name`);
      }
      // a spec that cannot be spawned (missing program, E2BIG environment from an --env-file) leaves nothing behind
      sup.host.checkSpawnable(spec);
      const portRef = p.port;
      // refused before a port is allocated: a bad mode leaves nothing behind
      checkPortMode(spec.portMode, portRef === undefined || portRef === null ? null : 1, spec.container !== null, '--port-mode');
      if (portRef !== undefined && portRef !== null) {
        spec.port = await assignPort(d, portRef, spec.name);
        spec.env.PORT = String(spec.port);
      }
      checkPortMode(spec.portMode, spec.port, spec.container !== null, '--port-mode');
      if (spec.group && !d.groups.get(spec.group)) d.groups.create(spec.group, {}, Date.now());
      const rec = sup.create(spec, ctx.actor);
      if (spec.watch && d.watches) {
        // a watch that cannot start (the inotify limit) is said now, with nothing left behind
        const watches = await d.watches.load();
        const failure = watches.sync(rec.name) ?? watches.failureOf(rec.name);
        if (failure) {
          await sup.removeDefinition(rec, ctx.actor);
          throw failure;
        }
      }
      // a start that fails keeps the records (with their logs) so the user can inspect and fix them
      const members = sup.instancesOf(rec.name);
      await startAll(members, (m) => sup.start(m, ctx.actor, { wait: wantWait(p) }));
      return answer(members, true);
    },

    async list() {
      await refreshContainerUsage(d, sup.list());
      return { processes: views(d, sup.list()) };
    },

    async status(p) {
      const rec = sup.resolve(p.ref);
      await refreshContainerUsage(d, sup.instancesOf(rec.name));
      const v = views(d, [rec])[0];
      const s = rec.spec;
      return {
        process: v,
        instances: views(d, sup.instancesOf(rec.name)),
        spec: {
          shell: s.shell, args: s.args, restart: s.restart, stopSignal: s.stopSignal, stopTimeoutMs: s.stopTimeoutMs,
          startWaitMs: s.startWaitMs, logMaxBytes: s.logMaxBytes, logKeep: s.logKeep, logCompress: s.logCompress, logTimestamps: s.logTimestamps, envKeys: Object.keys(s.env).sort(),
          instances: s.instances, port: s.port, portMode: s.portMode, scale: s.scale as Record<string, unknown> | null, restartCron: s.restartCron,
          readiness: s.readiness ? { ...s.readiness } : null, liveness: s.liveness ? { ...s.liveness } : null,
          limits: s.limits, identity: s.identity, notify: s.notify, configFile: s.source.configFile,
          container: s.container ? { ...s.container, name: d.containers?.nameOf(s.name, 0) ?? '' } : null,
          nix: s.nix,
          wrap: s.wrap ?? null,
          watch: s.watch ? { ...s.watch, ...(d.watches?.stateOf(s.name) ?? { active: false, directories: 0, error: null, lastChange: null }) } : null,
        },
      };
    },

    async start(p, ctx) {
      const members = sup.resolveAll(p.ref);
      const idle = members.filter((m) => !sup.isLive(m));
      // like stop of a stopped process: starting what already runs is no error, the answer says so
      if (idle.length === 0) return { ...answer(members), alreadyRunning: true };
      // a definition with some instances up starts the others
      await startAll(idle, (m) => sup.start(m, ctx.actor, { wait: wantWait(p) }));
      return answer(members);
    },

    async stop(p, ctx) {
      const members = sup.resolveAll(p.ref);
      const results = await Promise.all(members.map((m) => sup.stop(m, ctx.actor, { force: p.force ?? false, timeoutMs: p.timeout })));
      return { ...answer(members), alreadyStopped: results.every((r) => r.alreadyStopped), exit: results[0].exit };
    },

    async restart(p, ctx) {
      const members = sup.resolveAll(p.ref);
      await startAll(members, (m) => sup.restart(m, ctx.actor, { wait: wantWait(p) }));
      return answer(members);
    },

    async delete(p, ctx) {
      const rec = sup.resolve(p.ref);
      const members = sup.instancesOf(rec.name);
      if (members.length > 1 && /:\d+$/.test(p.ref)) {
        throw new SentinelError('INVALID_ARGUMENT', `"${p.ref}" is one of ${members.length} instances of "${rec.name}"; delete removes a whole definition ("sentinel delete ${rec.name}"); to run fewer, lower its instances`);
      }
      await sup.removeDefinition(rec, ctx.actor);
      await d.deploys?.forget(rec.name);
      releaseOwnedPorts(d, members);
      if (p.purge) for (const m of members) purgeProcessLogs(d, instanceKey(m));
      return { deleted: { id: rec.id, name: rec.name }, purged: p.purge ?? false };
    },

    clean(_p, ctx) {
      const isDead = (r: ProcessRecord) => r.state === 'stopped' || r.state === 'exited' || r.state === 'failed';
      // a definition goes when all of its instances are down
      const dead = sup.list().filter((r) => sup.instancesOf(r.name).every(isDead));
      return (async () => {
        for (const rec of dead) {
          await sup.remove(rec, ctx.actor);
          purgeProcessLogs(d, instanceKey(rec));
        }
        releaseOwnedPorts(d, dead);
        return { removed: dead.map((r) => ({ id: r.id, name: displayName(r), status: r.state })) };
      })();
    },

    stopall(p, ctx) {
      const force = p.force ?? false;
      const timeoutMs = p.timeout;
      // what runs, starts, stops or waits to restart; an exited or failed process has nothing to stop
      const recs = sup.list().filter((r) => r.state !== 'stopped' && r.state !== 'exited' && r.state !== 'failed');
      return each(d, recs, (r) => sup.stop(r, ctx.actor, { force, timeoutMs }));
    },

    startall(p, ctx) {
      const recs = sup.list().filter((r) => !sup.isLive(r));
      const started = dependencyOrdered(recs, (r) => sup.start(r, ctx.actor, { wait: wantWait(p) }));
      return each(d, recs, (r) => started.get(r)!);
    },

    restartall(p, ctx) {
      const recs = sup.list();
      const restarted = dependencyOrdered(recs, (r) => sup.restart(r, ctx.actor, { wait: wantWait(p) }));
      return each(d, recs, (r) => restarted.get(r)!);
    },

    events(p, ctx) {
      const name = p.name;
      // following a name that does not exist yet is allowed (a client watching a process it is creating)
      if (name !== undefined && !p.follow) sup.resolve(name);
      const past = d.processes.events({ name, limit: p.limit ?? 50 });
      if (!p.follow) return { events: past };
      return {
        stream: (async function* () {
          for (const ev of past) yield ev;
          // new events are read back from the store (with their ids), woken by the supervisor's announcements
          let lastId = past.length > 0 ? past[past.length - 1].id : (d.processes.events({ limit: 1 })[0]?.id ?? 0);
          let wake: (() => void) | null = null;
          // one read at once: whatever was written between reading `past` and listening
          let pending = true;
          const onEvent = () => {
            pending = true;
            wake?.();
          };
          sup.on('state', onEvent);
          const aborted = new Promise<void>((r) => ctx.signal.addEventListener('abort', () => r(), { once: true }));
          try {
            while (!ctx.signal.aborted) {
              while (pending) {
                pending = false;
                for (let batch = d.processes.eventsAfter(lastId, name); batch.length > 0; batch = d.processes.eventsAfter(lastId, name)) {
                  for (const ev of batch) {
                    lastId = ev.id;
                    yield ev;
                  }
                }
              }
              await Promise.race([new Promise<void>((r) => (wake = r)), aborted]);
              wake = null;
            }
          } finally {
            sup.off('state', onEvent);
          }
        })(),
      };
    },
  };
}

