// sentinel group create|add|remove|list|start|stop|restart|delete.
import type { Command } from 'commander';
import { act, collect } from '../common.js';
import { println } from '../output.js';
import { processTable } from '../format.js';

interface GroupResults { group: string; results: Array<{ name: string; ok: boolean; error?: string }> }

function report(verb: string, r: GroupResults): void {
  if (r.results.length === 0) println(`No processes in group ${r.group}.`);
  for (const x of r.results) println(x.ok ? `${verb} ${x.name}` : `Failed ${x.name}: ${x.error}`);
  if (r.results.some((x) => !x.ok)) process.exitCode = 1;
}

export function register(program: Command): void {
  const group = program.command('group').description('Manage process groups');

  group.command('create').argument('<group>').description('Create a group')
    .option('-e, --env <KEY=VALUE>', 'environment variable for every process of the group (repeatable)', collect, [])
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts) => {
      await act(opts, (c) => c.call('group.create', { group: name, envVars: opts.env }), () => println(`Created group ${name}`));
    });

  group.command('add').argument('<group>').argument('<process>', 'name or id').description('Add a process to a group')
    .option('--json', 'print the result as JSON')
    .action(async (g: string, ref: string, opts) => {
      await act(opts, (c) => c.call('group.add', { group: g, ref }), (r) => println(`Added ${r.process} to group ${g}`));
    });

  group.command('remove').argument('<group>').argument('<process>', 'name or id').description('Remove a process from a group')
    .option('--json', 'print the result as JSON')
    .action(async (g: string, ref: string, opts) => {
      await act(opts, (c) => c.call('group.remove', { group: g, ref }), (r) => println(`Removed ${r.process} from group ${g}`));
    });

  group.command('list').argument('[group]').description('List groups, or the processes of one group')
    .option('--json', 'print the result as JSON')
    .action(async (g: string | undefined, opts) => {
      await act(opts, (c) => c.call('group.list', { group: g }), (r) => {
        if ('processes' in r) {
          println(r.processes.length ? processTable(r.processes) : `No processes in group ${g}.`);
          return;
        }
        if (!r.groups.length) println('No groups. Create one with: sentinel group create NAME');
        for (const x of r.groups) {
          println(`${x.name}  (${x.processes.length} processes${x.processes.length ? ': ' + x.processes.join(', ') : ''}${x.envKeys.length ? `; env: ${x.envKeys.join(', ')}` : ''})`);
        }
      });
    });

  for (const [verb, past] of [['start', 'Started'], ['stop', 'Stopped'], ['restart', 'Restarted']] as const) {
    group.command(verb).argument('<group>').description(`${verb[0].toUpperCase()}${verb.slice(1)} all processes of a group`)
      .option('--json', 'print the result as JSON')
      .action(async (g: string, opts) => {
        await act(opts, (c) => c.call(`group.${verb}`, { group: g }), (r) => report(past, r));
      });
  }

  group.command('delete').argument('<group>').description('Delete a group (its processes are kept, unassigned)')
    .option('--stop', 'also stop every process of the group')
    .option('--json', 'print the result as JSON')
    .action(async (g: string, opts) => {
      await act(opts, (c) => c.call('group.delete', { group: g, stop: opts.stop ?? false }), () => println(`Deleted group ${g}${opts.stop ? ' and stopped its processes' : ''}`));
    });
}
