// sentinel config validate|print|schema, graph, import and init.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { SentinelError } from '../../core/errors.js';
import { act } from '../common.js';
import { println } from '../output.js';
import { FORMAT_HELP, STACK_FORMATS, stackParams } from './config-file.js';
import { oneOf } from '../option-values.js';

interface ValidateResult { valid: boolean; file: string; errors: string[]; warnings: string[]; processes: string[] }

const FILE_HELP = 'config file (default: ./sentinel.yaml, .yml, .toml or .json)';

/** Writes a file the user asked for, never over an existing one unless --force. */
function writeNew(file: string, text: string, force: boolean): void {
  const abs = path.resolve(file);
  if (existsSync(abs) && !force) {
    throw new SentinelError('FILE_EXISTS', `${file} already exists; pass --force to overwrite it or -o to write elsewhere`);
  }
  writeFileSync(abs, text);
}

function validateHint(file: string): string {
  return `sentinel config validate${file === 'sentinel.yaml' ? '' : ` -f ${file}`}`;
}

export function registerTools(program: Command): void {
  const config = program.command('config').description('Check, show and describe sentinel.yaml');

  config.command('validate').description('Check a config file and list every problem with file:line:col')
    .option('-f, --file <file>', FILE_HELP)
    .option('--environment <name>', 'check with the environments.<name> overlay applied')
    .option('--format <format>', FORMAT_HELP, oneOf('--format', STACK_FORMATS))
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      let result: ValidateResult | undefined;
      await act(opts, async (c) => (result = await c.call('config.validate', stackParams(opts))), (r) => {
        for (const w of r.warnings) println(`Warning: ${w}`);
        const name = path.basename(r.file);
        if (r.valid) {
          println(`${name} is valid (${r.processes.length} process${r.processes.length === 1 ? '' : 'es'}: ${r.processes.join(', ')})`);
          return;
        }
        process.stderr.write(`${name} has ${r.errors.length} error${r.errors.length === 1 ? '' : 's'}:\n${r.errors.map((e) => `  - ${e}`).join('\n')}\n`);
      });
      if (result && !result.valid) process.exitCode = 2;
    });

  config.command('print').description('Print the resolved config (overlays, includes, templates and variables applied; secrets hidden)')
    .option('-f, --file <file>', FILE_HELP)
    .option('--environment <name>', 'apply the environments.<name> overlay')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      await act(opts, (c) => c.call('config.print', stackParams(opts)), (r) => process.stdout.write(r.text));
    });

  config.command('schema').description('Print the JSON Schema of sentinel.yaml (for editors)')
    .option('--json', 'same output (the schema is JSON)')
    .action(async (opts) => {
      await act({}, (c) => c.call('config.schema'), (r) => println(JSON.stringify(r.schema, null, 2)));
      void opts;
    });

  program.command('graph').description('Print the dependency tree of a config file')
    .option('-f, --file <file>', FILE_HELP)
    .option('--environment <name>', 'apply the environments.<name> overlay')
    .option('--json', 'print the result as JSON')
    .action(async (opts) => {
      await act(opts, (c) => c.call('graph', stackParams(opts)), (r) => {
        println(r.tree);
        println();
        println(`Start order: ${r.levels.map((l) => l.join(' + ')).join(' -> ')}`);
      });
    });

  program.command('import').description('Convert a Procfile, PM2 ecosystem, docker-compose, process-compose or supervisord file to sentinel.yaml')
    .argument('<file>', 'the file to convert')
    .option('-o, --output <file>', 'where to write (default: sentinel.yaml; "-" prints it)', 'sentinel.yaml')
    .option('--format <format>', 'the format, when the file name does not tell: procfile, pm2, compose, process-compose, supervisord')
    .option('--force', 'overwrite the output file')
    .option('--json', 'print the result as JSON (nothing is written)')
    .action(async (file: string, opts) => {
      await act(opts, async (c) => {
        const abs = path.resolve(file);
        if (!existsSync(abs)) throw new SentinelError('CONFIG_NOT_FOUND', `${file} does not exist; give the path of the file to import`);
        const writes = !opts.json && opts.output !== '-';
        const r = await c.call('import', { file: abs, format: opts.format, output_dir: writes ? path.dirname(path.resolve(opts.output)) : undefined });
        if (writes) writeNew(opts.output, r.text, opts.force ?? false);
        return r;
      }, (r) => {
        if (opts.output === '-') {
          process.stdout.write(r.text);
          return;
        }
        println(`Wrote ${opts.output} from ${file} (${r.format})`);
        if (r.warnings.length) println(`Not mapped or changed (also noted at the top of the file):\n${r.warnings.map((w) => `  - ${w}`).join('\n')}`);
        println(`Check it with: ${validateHint(opts.output)}`);
      });
    });

  program.command('init').description('Write a starter sentinel.yaml')
    .option('-t, --template <name>', 'node, python, go or static', 'node')
    .option('-o, --output <file>', 'where to write', 'sentinel.yaml')
    .option('--force', 'overwrite the output file')
    .option('--json', 'print the result as JSON (nothing is written)')
    .action(async (opts) => {
      await act(opts, async (c) => {
        const r = await c.call('init', { template: opts.template });
        if (!opts.json) writeNew(opts.output, r.text, opts.force ?? false);
        return r;
      }, (r) => {
        println(`Wrote ${opts.output} (${r.template} template)`);
        println(`Check it with: ${validateHint(opts.output)}; start it with: sentinel up${opts.output === 'sentinel.yaml' ? '' : ` -f ${opts.output}`}`);
      });
    });
}
