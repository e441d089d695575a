// sentinel notify list|add-webhook|add-email|remove|test.
import { wholeNumber } from '../option-values.js';
import type { Command } from 'commander';
import { act } from '../common.js';
import { println } from '../output.js';

interface Channels {
  webhooks: Array<{ index: number; url: string; signed: boolean; events: string[] | null }>;
  emails: Array<{ index: number; host: string; port: number | null; from: string; to: string | string[]; events: string[] | null }>;
}

function show(c: Channels): void {
  if (!c.webhooks.length && !c.emails.length) println('No notification channels. Add one with: sentinel notify add-webhook URL');
  for (const w of c.webhooks) println(`${w.index}  webhook  ${w.url}${w.signed ? '  (signed)' : ''}${w.events ? `  events: ${w.events.join(',')}` : ''}`);
  for (const e of c.emails) println(`${e.index}  email    ${[e.to].flat().join(', ')} via ${e.host}${e.port ? `:${e.port}` : ''}${e.events ? `  events: ${e.events.join(',')}` : ''}`);
}

export function register(program: Command): void {
  const notify = program.command('notify').description('Notifications of crashes, failures and health changes (webhooks, email)');

  notify.command('list').description('List the global notification channels').option('--json', 'print the result as JSON')
    .action(async (opts) => act(opts, (c) => c.call('notify.list'), show));

  notify.command('add-webhook').argument('<url>').description('POST a JSON event to this URL')
    .option('--secret <secret>', 'sign each body: X-Sentinel-Signature: sha256=HMAC')
    .option('--events <list>', 'only these events: crash,failed,unhealthy,recovered')
    .option('--timeout <duration>', 'per attempt (default 5s)')
    .option('--retries <n>', 'further attempts after a failure (default 3)')
    .option('--json', 'print the result as JSON')
    .action(async (url: string, opts) => act(opts, (c) => c.call('notify.add-webhook', {
      url, secret: opts.secret, events: opts.events?.split(','), timeout: opts.timeout, retries: opts.retries,
    }), show));

  notify.command('add-email').description('Send events by email over SMTP')
    .requiredOption('--host <host>', 'SMTP server')
    .option('--port <port>', 'SMTP port (default 587, or 465 with --secure)')
    .option('--secure', 'TLS from the first byte')
    .requiredOption('--from <address>', 'sender')
    .requiredOption('--to <addresses>', 'recipients, comma-separated')
    .option('--user <user>', 'SMTP user')
    .option('--pass-stdin', 'read the SMTP password from standard input')
    .option('--events <list>', 'only these events: crash,failed,unhealthy,recovered')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      let pass: string | undefined;
      if (opts.passStdin) {
        const chunks: Buffer[] = [];
        for await (const c of process.stdin) chunks.push(c as Buffer);
        pass = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
      }
      await act(opts, (c) => c.call('notify.add-email', {
        host: opts.host, port: opts.port, secure: opts.secure, from: opts.from, to: opts.to, user: opts.user, pass, events: opts.events?.split(','),
      }), show);
    });

  notify.command('remove').argument('<number>', 'as shown by notify list').description('Remove a notification channel')
    .option('--json', 'print the result as JSON')
    .action(async (n: string, opts) => act(opts, (c) => c.call('notify.remove', { index: wholeNumber('number', 1, 1_000_000, 1)(n) }), show));

  notify.command('test').argument('[process]', 'send as if about this process (its own channels too)').description('Send a test message to every channel')
    .option('--json', 'print the result as JSON')
    .action(async (name: string | undefined, opts) => act(opts, (c) => c.call('notify.test', { name }), (r) => {
      if (!r.results.length) println('No notification channels to test.');
      for (const x of r.results) println(`${x.ok ? 'Delivered' : 'FAILED'}  ${x.channel} ${x.target}${x.ok ? '' : ` after ${x.attempts} attempts: ${x.error}`}`);
      if (r.results.some((x) => !x.ok)) process.exitCode = 1;
    }));
}
