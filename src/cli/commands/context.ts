// sentinel context add|use|list|rm: named remote hosts, kept in the client's own contexts.yaml.
import type { Command } from 'commander';
import { SentinelError } from '../../core/errors.js';
import { parseHostSpec } from '../../client/ssh-target.js';
import { checkContextName, contextsFile, LOCAL, readContexts, writeContexts } from '../contexts.js';
import { failAndExit, printJson, println } from '../output.js';

async function run(json: boolean | undefined, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    failAndExit(err, json ?? false);
  }
}

export function register(program: Command): void {
  const context = program.command('context').description('Name the hosts you manage over SSH and choose the one commands talk to');

  context
    .command('add')
    .description('Add (or with --force replace) a context: a host reached over SSH')
    .argument('<name>', 'the context name, e.g. prod')
    .requiredOption('--ssh <user@host[:port]>', 'the SSH target (a Host of ~/.ssh/config works too)')
    .option('--remote-home <dir>', "the remote daemon's SENTINEL_HOME (default: the remote user's ~/.sentinel)")
    .option('--remote-command <command>', 'how to run sentinel on that host (default: sentinel)')
    .option('--use', 'also make it the current context')
    .option('--force', 'replace a context of that name')
    .option('--json', 'print the result as JSON')
    .action((name: string, opts) =>
      run(opts.json, async () => {
        checkContextName(name);
        parseHostSpec(opts.ssh);
        if (opts.remoteHome !== undefined && !/^(\/|~\/|~$)/.test(opts.remoteHome)) {
          throw new SentinelError('INVALID_ARGUMENT', `--remote-home ${JSON.stringify(opts.remoteHome)} must be an absolute path on the remote host (or start with ~/)`);
        }
        const file = await readContexts();
        if (file.contexts[name] && !opts.force) {
          throw new SentinelError('NAME_TAKEN', `a context named "${name}" exists (${file.contexts[name].ssh}); pass --force to replace it, or choose another name`);
        }
        file.contexts[name] = { ssh: opts.ssh, ...(opts.remoteHome ? { remote_home: opts.remoteHome } : {}), ...(opts.remoteCommand ? { remote_command: opts.remoteCommand } : {}) };
        if (opts.use) file.current = name;
        await writeContexts(file);
        if (opts.json) printJson({ name, ...file.contexts[name], current: file.current === name });
        else println(`Added context ${name} (${opts.ssh})${opts.use ? '; it is now the current context' : `; switch to it with "sentinel context use ${name}"`}`);
      }),
    );

  context
    .command('use')
    .description(`Make a context the current one ("${LOCAL}" for this machine's daemon)`)
    .argument('<name>')
    .option('--json', 'print the result as JSON')
    .action((name: string, opts) =>
      run(opts.json, async () => {
        const file = await readContexts();
        if (name !== LOCAL && !file.contexts[name]) {
          const known = Object.keys(file.contexts);
          throw new SentinelError('CONTEXT_NOT_FOUND', `no context named "${name}"${known.length ? ` (known: ${known.join(', ')}, ${LOCAL})` : ''}; add it with "sentinel context add ${name} --ssh user@host"`);
        }
        file.current = name === LOCAL ? undefined : name;
        await writeContexts(file);
        if (opts.json) printJson({ current: name });
        else println(name === LOCAL ? "Commands now talk to this machine's daemon" : `Commands now talk to ${name} (${file.contexts[name].ssh})`);
      }),
    );

  context
    .command('list')
    .alias('ls')
    .description('List the contexts; the current one is marked')
    .option('--json', 'print the result as JSON')
    .action((opts) =>
      run(opts.json, async () => {
        const file = await readContexts();
        const current = file.current ?? LOCAL;
        const rows = [
          { name: LOCAL, ssh: null as string | null, remote_home: null as string | null, current: current === LOCAL },
          ...Object.entries(file.contexts).map(([name, c]) => ({ name, ssh: c.ssh, remote_home: c.remote_home ?? null, current: current === name })),
        ];
        if (opts.json) return printJson({ file: contextsFile(), current, contexts: rows });
        const width = Math.max(...rows.map((r) => r.name.length), 4);
        println(`  ${'NAME'.padEnd(width)}  SSH`);
        for (const r of rows) println(`${r.current ? '*' : ' '} ${r.name.padEnd(width)}  ${r.ssh ?? '(this machine)'}${r.remote_home ? `  home ${r.remote_home}` : ''}`);
      }),
    );

  context
    .command('rm')
    .description('Remove a context')
    .argument('<name>')
    .option('--json', 'print the result as JSON')
    .action((name: string, opts) =>
      run(opts.json, async () => {
        const file = await readContexts();
        if (!file.contexts[name]) throw new SentinelError('CONTEXT_NOT_FOUND', `no context named "${name}"; see "sentinel context list"`);
        delete file.contexts[name];
        const wasCurrent = file.current === name;
        if (wasCurrent) file.current = undefined;
        await writeContexts(file);
        if (opts.json) printJson({ removed: name, current: file.current ?? LOCAL });
        else println(`Removed context ${name}${wasCurrent ? `; commands now talk to this machine's daemon` : ''}`);
      }),
    );
}
