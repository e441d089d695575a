// sentinel secret set|list|rm. A value is read from stdin or a hidden prompt, never from an argument,
// so it stays out of shell history and the process list.
import type { Command } from 'commander';
import { SentinelError } from '../../core/errors.js';
import { act } from '../common.js';
import { println } from '../output.js';
import { makeTable } from '../format.js';

async function readPiped(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  // `echo value |` adds one newline that is not part of the value
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Reads one line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    let value = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (data: Buffer) => {
      for (const ch of data.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new SentinelError('INVALID_ARGUMENT', 'cancelled; no secret was set'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '');
}

export function registerSecret(program: Command): void {
  const secret = program.command('secret').description('Manage secrets (encrypted at rest; use them as ${secret:NAME} in env values)');

  secret.command('set').argument('<name>', 'secret name, e.g. DB_PASSWORD')
    .description('Set a secret: the value comes from stdin when piped, else from a hidden prompt')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts) => {
      await act(opts, async (c) => {
        const value = process.stdin.isTTY ? await promptHidden(`Value for ${name}: `) : await readPiped();
        if (value === '') throw new SentinelError('INVALID_ARGUMENT', `secret "${name}": the value is empty; nothing was set`);
        return c.call('secret.set', { name, value });
      }, (r) => {
        println(`${r.updated ? 'Updated' : 'Set'} secret ${r.secret.name}`);
        if (r.updated && r.usedBy.length) println(`Used by ${r.usedBy.join(', ')}: run "sentinel reload" to restart them with the new value`);
      });
    });

  secret.command('list').description('List secret names (values are never shown)')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      await act(opts, (c) => c.call('secret.list'), (r) => {
        if (!r.secrets.length) {
          println('No secrets. Add one with: sentinel secret set NAME');
          return;
        }
        const t = makeTable(['NAME', 'UPDATED', 'USED BY']);
        for (const s of r.secrets) t.push([s.name, stamp(s.updatedAt), s.usedBy.join(', ') || '-']);
        println(t.toString());
      });
    });

  secret.command('rm').argument('<name>').description('Remove a secret')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts) => {
      await act(opts, (c) => c.call('secret.rm', { name }), (r) => {
        println(`Removed secret ${r.removed.name}`);
        if (r.usedBy.length) println(`Still referenced by ${r.usedBy.join(', ')}: they keep the old value until restarted, and will then fail to start`);
      });
    });
}
