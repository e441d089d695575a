// Configuration operations: up, down, reload (a stack from a file), config validate/print/schema, graph,
// import, init, and the secrets. The config library is loaded on first use, not at daemon start-up.
// yaml is in the daemon from the start (daemon.yaml); a dynamic import of it inside the daemon bundle lost its
// named exports (esbuild's interop of a CommonJS package split across chunks)
import path from 'node:path';
import { SentinelError } from '../../core/errors.js';
import type { ProcessSpec } from '../../core/spec.js';
import { keepScaledCounts } from './cluster.js';
import type { Daemon, Handlers } from '../context.js';
import { redactSecretsDeep, secretStoreFor } from '../secrets-store.js';
import { views } from './processes.js';
import { secretOps } from './config-secrets.js';
import { applyNotifications, applySchedules } from './config-extras.js';
import {
  assignPorts, baseEnvOf, checkConflicts, stackProblems, throwProblems, ensureGroups, loadStack, ownedBy, readStackParams, releaseOwned, selectNames,
} from './config-stack.js';
import { startInOrder, type StartAction } from './config-start.js';

function planView(plan: import('../../config/diff.js').ReloadPlan) {
  const command = (s: ProcessSpec) => [s.command, ...s.args].join(' ');
  return {
    added: plan.added.map((s) => ({ name: s.name, command: command(s) })),
    changed: plan.changed.map((c) => ({ name: c.name, fields: c.fields })),
    removed: plan.removed.map((s) => s.name),
    unchanged: plan.unchanged,
  };
}

/** The only change is the number of instances (added ones start, surplus ones are removed). */
function onlyInstances(fields: string[]): boolean {
  return fields.length > 0 && fields.every((f) => f === 'instances');
}

type ConfigOp = 'up' | 'down' | 'reload' | 'config.validate' | 'config.print' | 'config.schema' | 'graph' | 'import' | 'init' | 'secret.set' | 'secret.list' | 'secret.rm';

export function configOps(d: Daemon): Handlers<ConfigOp> {
  const sup = d.supervisor;
  const store = secretStoreFor(d.db, d.paths.secretKey);
  try {
    const failed = store.warmUp();
    if (failed.length > 0) d.log.warn('SECRET_DECRYPT_FAILED', `cannot decrypt secrets ${failed.join(', ')} with the current key; set them again`);
  } catch (err) {
    d.log.warn('SECRETS_UNAVAILABLE', `secrets cannot be read: ${(err as Error).message}`);
  }

  return {
    ...secretOps(d, store),

    async up(p, ctx) {
      const sp = readStackParams(p, d.paths.home);
      const stack = await loadStack(store, sp, d.paths.globalEnv);
      keepScaledCounts(d, stack.specs);
      const asked = p.names ?? [];
      const names = selectNames(stack, asked);
      const selected = stack.specs.filter((s) => names.includes(s.name));
      // everything is checked before anything is touched
      checkConflicts(d, sp.file, selected);
      throwProblems(await stackProblems(d, stack, selected, asked.length === 0, baseEnvOf(sp.env)));
      const { diffSpec } = await import('../../config/diff.js');
      await assignPorts(d, stack, names, true);
      ensureGroups(d, stack, names);
      const actions = new Map<string, StartAction>();
      const created: string[] = [];
      const updated: Array<{ name: string; fields: string[] }> = [];
      const running: string[] = [];
      const label = path.basename(sp.file);
      // the new ones in one transaction (a file of 1000: one commit instead of 1000)
      const fresh = new Set(sup.createMany(selected.filter((spec) => !sup.find(spec.name)), ctx.actor).map((r) => r.name));
      for (const spec of selected) {
        const wanted = spec.source.autostart || asked.includes(spec.name);
        const rec = sup.find(spec.name);
        if (!rec || fresh.has(spec.name)) {
          created.push(spec.name);
          actions.set(spec.name, wanted ? 'start' : 'keep');
          continue;
        }
        const fields = diffSpec(rec.spec, spec);
        const live = sup.instancesOf(spec.name).some((m) => sup.isLive(m));
        if (fields.length > 0) {
          await sup.updateSpec(rec, spec, ctx.actor, `changed in ${label}: ${fields.join(', ')}`);
          updated.push({ name: spec.name, fields });
        }
        if (live && fields.length === 0) running.push(spec.name);
        actions.set(spec.name, live ? (fields.length > 0 ? onlyInstances(fields) ? 'start' : 'restart' : 'keep') : wanted ? 'start' : 'keep');
      }
      const outcome = await startInOrder(d, ctx.actor, stack.graph, actions, { timeoutMs: p.timeout });
      const schedules = asked.length === 0 ? await applySchedules(d, sp.file, stack.config, baseEnvOf(sp.env)) : [];
      const notifications = asked.length === 0 && applyNotifications(d, stack.config);
      const orphans = ownedBy(d, sp.file).filter((r) => !stack.specs.some((s) => s.name === r.name)).map((r) => r.name);
      d.log.info('CONFIG_UP', `up ${sp.file}: ${created.length} created, ${updated.length} changed, ${outcome.started.length} started`, {
        failed: outcome.failed.map((f) => f.name), blocked: outcome.blocked.map((b) => b.name),
      });
      return redactSecretsDeep({
        ok: outcome.failed.length === 0 && outcome.blocked.length === 0,
        file: sp.file, environment: sp.environment ?? null, created, updated, running, ...outcome, orphans, schedules, notifications,
        warnings: stack.warnings, processes: views(d, names.map((n) => sup.find(n)!).filter(Boolean)),
      });
    },

    async down(p, ctx) {
      const file = readStackParams(p, d.paths.home).file;
      const keep = p.keep ?? false;
      const asked = p.names ?? [];
      const owned = ownedBy(d, file);
      for (const name of asked) {
        if (!owned.some((r) => r.name === name)) {
          throw new SentinelError('PROCESS_NOT_FOUND', `process "${name}" was not started from ${path.basename(file)}; "sentinel list" shows the processes`);
        }
      }
      const { graphFromSpecs } = await import('../../config/graph.js');
      const levels = graphFromSpecs(owned.map((r) => r.spec)).stopOrder(asked.length > 0 ? asked : undefined);
      const stopped: string[] = [];
      const removed: string[] = [];
      const errors: Array<{ name: string; error: string }> = [];
      for (const level of levels) {
        await Promise.all(level.map(async (name) => {
          const members = sup.instancesOf(name);
          if (members.length === 0) return;
          try {
            const wasLive = members.some((m) => sup.isLive(m));
            await Promise.all(members.map((m) => sup.stop(m, ctx.actor, { reason: 'sentinel down' })));
            if (wasLive) stopped.push(name);
            if (!keep) {
              await sup.removeDefinition(members[0], ctx.actor);
              removed.push(name);
            }
          } catch (err) {
            errors.push({ name, error: (err as Error).message });
          }
        }));
      }
      const released = !keep && asked.length === 0 && errors.length === 0 ? await releaseOwned(d, file) : { ports: [], groups: [], schedules: [] };
      d.log.info('CONFIG_DOWN', `down ${file}: ${stopped.length} stopped, ${removed.length} removed`);
      return { ok: errors.length === 0, file, stopped, removed, kept: keep, released, errors };
    },

    async reload(p, ctx) {
      const sp = readStackParams(p, d.paths.home);
      const dryRun = p.dryRun ?? false;
      const stack = await loadStack(store, sp, d.paths.globalEnv);
      keepScaledCounts(d, stack.specs);
      const all = stack.specs.map((s) => s.name);
      checkConflicts(d, sp.file, stack.specs);
      await assignPorts(d, stack, all, false);
      const { planReload, formatPlan } = await import('../../config/diff.js');
      const before = new Map(ownedBy(d, sp.file).map((r) => [r.name, r]));
      const plan = planReload(stack.specs, [...before.values()].map((r) => r.spec));
      const text = formatPlan(plan);
      if (dryRun) return redactSecretsDeep({ ok: true, file: sp.file, dryRun: true, plan: planView(plan), text });

      const touched = [...plan.added.map((s) => s.name), ...plan.changed.map((c) => c.name)];
      throwProblems(await stackProblems(d, stack, stack.specs.filter((s) => touched.includes(s.name)), true, baseEnvOf(sp.env)));
      await assignPorts(d, stack, touched, true);
      ensureGroups(d, stack, touched);
      const { graphFromSpecs } = await import('../../config/graph.js');
      const removed: string[] = [];
      for (const level of graphFromSpecs(plan.removed).stopOrder()) {
        await Promise.all(level.map(async (name) => {
          const rec = before.get(name)!;
          await sup.removeDefinition(rec, ctx.actor); // remove stops each instance first
          removed.push(name);
        }));
      }
      const actions = new Map<string, StartAction>(plan.unchanged.map((n) => [n, 'keep']));
      const label = path.basename(sp.file);
      for (const change of plan.changed) {
        const rec = before.get(change.name)!;
        const live = sup.instancesOf(change.name).some((m) => sup.isLive(m) || m.wantRunning);
        await sup.updateSpec(rec, change.after, ctx.actor, `changed in ${label}: ${change.fields.join(', ')}`);
        // a new instance count alone starts the added instances and leaves the others running
        actions.set(change.name, live ? (onlyInstances(change.fields) ? 'start' : 'restart') : 'keep');
      }
      sup.createMany(plan.added, ctx.actor);
      for (const spec of plan.added) {
        actions.set(spec.name, !spec.source.autostart ? 'keep' : 'start');
      }
      const outcome = await startInOrder(d, ctx.actor, stack.graph, actions, { timeoutMs: p.timeout });
      const schedules = await applySchedules(d, sp.file, stack.config, baseEnvOf(sp.env), false);
      applyNotifications(d, stack.config);
      d.log.info('CONFIG_RELOAD', `reload ${sp.file}: ${plan.added.length} added, ${plan.changed.length} changed, ${removed.length} removed`);
      return redactSecretsDeep({
        ok: outcome.failed.length === 0 && outcome.blocked.length === 0,
        file: sp.file, dryRun: false, plan: planView(plan), text, removed, ...outcome, schedules, warnings: stack.warnings,
      });
    },

    async 'config.validate'(p) {
      const sp = readStackParams(p, d.paths.home);
      const { loadConfig } = await import('../../config/load.js');
      const result = loadConfig(sp.file, { format: sp.format, environment: sp.environment, env: sp.env, resolveSecret: (n) => (store.info(n) ? '' : undefined) });
      const errors = [...result.messages];
      let processes: string[] = [];
      if (result.config) {
        // normalizing finds what only exists on disk (env_file); then the checks `up` runs against this machine
        try {
          const stack = await loadStack(store, sp, d.paths.globalEnv);
          processes = stack.specs.map((s) => s.name);
          errors.push(...(await stackProblems(d, stack, stack.specs, true, baseEnvOf(sp.env))).map((p) => p.message));
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
      return redactSecretsDeep({ valid: errors.length === 0, file: sp.file, errors, warnings: result.warnings, files: result.files, processes });
    },

    async 'config.print'(p) {
      const sp = readStackParams(p, d.paths.home);
      const { loadConfigOrThrow } = await import('../../config/load.js');
      // the YAML printer is loaded with the config loader (which needs it anyway), not at the daemon's start
      const { stringifyYaml } = await import('../../config/yaml-text.js');
      const { config } = loadConfigOrThrow(sp.file, { format: sp.format, environment: sp.environment, env: sp.env, resolveSecret: (n) => (store.info(n) ? '' : undefined) });
      const safe = redactSecretsDeep(config);
      return { file: sp.file, config: safe, text: stringifyYaml(safe, { lineWidth: 0 }) };
    },

    async 'config.schema'() {
      const { buildJsonSchema } = await import('../../config/json-schema.js');
      return { schema: buildJsonSchema() };
    },

    async graph(p) {
      const sp = readStackParams(p, d.paths.home);
      const { loadConfigOrThrow } = await import('../../config/load.js');
      const { graphFromConfig } = await import('../../config/graph.js');
      const { config } = loadConfigOrThrow(sp.file, { format: sp.format, environment: sp.environment, env: sp.env });
      const graph = graphFromConfig(config);
      const dependencies = Object.fromEntries(graph.processes().map((n) => [n, graph.dependenciesOf(n)]));
      return { file: sp.file, tree: graph.printTree(), levels: graph.startOrder(), dependencies };
    },

    async import(p) {
      const file = p.file;
      const { importFile, formatImported, IMPORT_FORMATS } = await import('../../config/importers/index.js');
      const format = p.format;
      if (format !== undefined && !(IMPORT_FORMATS as readonly string[]).includes(format)) {
        throw new SentinelError('INVALID_ARGUMENT', `--format ${JSON.stringify(format)} is not known; use one of: ${IMPORT_FORMATS.join(', ')}`);
      }
      const result = importFile(file, format as (typeof IMPORT_FORMATS)[number] | undefined, { outputDir: p.output_dir });
      return { file, format: result.format, text: formatImported(result, path.basename(file)), warnings: result.warnings };
    },

    async init(p) {
      const template = p.template ?? 'node';
      const { initTemplate } = await import('../../config/init-templates.js');
      return { template, text: initTemplate(template) };
    },
  };
}
