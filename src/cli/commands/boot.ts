// sentinel startup / unstartup: start the daemon at boot (systemd, init.d, OpenRC, launchd, a Windows service);
// sentinel export FORMAT [NAME...]: processes as units of another system. The files are written here, on the
// machine the CLI runs on; what to run to enable them is printed, never run.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { SentinelError } from '../../core/errors.js';
import { parseDuration } from '../../core/duration.js';
import { daemonEntryIn, daemonNodeFlags, homePaths } from '../../daemon/home.js';
import { BOOT_KINDS, BOOT_MARKER, bootFile, detectBootKind, type BootKind, type BootFile } from '../../export/boot.js';
import { act, collect } from '../common.js';
import { oneOf, badValue } from '../option-values.js';
import { EXPORT_FORMATS } from '../../export/formats.js';
import { exportPathProblem } from '../../plugins/answers.js';
import { FORMAT_HELP, STACK_FORMATS, stackParams, type StackFormat } from './config-file.js';
import { failAndExit, printJson, println } from '../output.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The installed CLI and daemon entry, wherever this bundle or build lives. */
function installPaths(): { cli: string; daemonEntry: string } {
  // dist/cli/bundle.cjs and dist/cli/commands/boot.js both sit under dist/; bin/ and dist/daemon-bundle/ are its neighbours
  const dist = here.includes(`${path.sep}commands`) ? path.resolve(here, '../..') : path.resolve(here, '..');
  return { cli: path.resolve(dist, '../bin/sentinel.js'), daemonEntry: daemonEntryIn(dist) };
}

interface BootOpts { user?: boolean; path?: string; stopTimeout?: string; json?: boolean; force?: boolean }

function chooseKind(kind: string | undefined): BootKind {
  if (kind === undefined) return detectBootKind(process.platform, existsSync);
  return oneOf('startup', BOOT_KINDS)(kind) as BootKind;
}

function build(kind: BootKind, opts: BootOpts): BootFile {
  let stopTimeoutSec = 90;
  if (opts.stopTimeout !== undefined) {
    try {
      stopTimeoutSec = Math.ceil(parseDuration(opts.stopTimeout) / 1000);
    } catch {
      badValue('--stop-timeout', opts.stopTimeout, 'a duration, e.g. 90s or 2m');
    }
  }
  const info = os.userInfo();
  const { cli, daemonEntry } = installPaths();
  const file = bootFile(kind, {
    node: process.execPath, daemonEntry, nodeFlags: daemonNodeFlags(), cli, home: homePaths().home,
    user: info.username, userHome: info.homedir, userMode: opts.user === true, stopTimeoutSec,
  });
  if (opts.path !== undefined) {
    if (!path.isAbsolute(opts.path) && !opts.path.startsWith('.')) file.path = path.resolve(opts.path);
    else file.path = path.resolve(opts.path);
  }
  return file;
}

export function register(program: Command): void {
  program
    .command('startup [kind]')
    .description(`Start the daemon at boot; it then resumes what was running. KIND: ${BOOT_KINDS.join(', ')} (default: what this machine uses)`)
    .option('--user', 'per-user (systemd --user, a LaunchAgent) instead of system-wide')
    .option('--path <file>', 'write the file here instead of the system location (to review it, or for a chroot)')
    .option('--stop-timeout <duration>', 'how long the system waits at shutdown for the daemon to stop its processes', '90s')
    .option('--force', 'overwrite a file that was not written by "sentinel startup"')
    .option('--json', 'print the result as JSON')
    .action((kind: string | undefined, opts: BootOpts) => {
      try {
        const file = build(chooseKind(kind), opts);
        if (existsSync(file.path) && !readFileSync(file.path, 'utf8').includes(BOOT_MARKER) && !opts.force) {
          throw new SentinelError('FILE_EXISTS', `${file.path} exists and was not written by "sentinel startup"; move it away, or overwrite it with --force`);
        }
        mkdirSync(path.dirname(file.path), { recursive: true });
        writeFileSync(file.path, file.content, { mode: file.mode });
        chmodSync(file.path, file.mode);
        if (opts.json) printJson({ kind: file.kind, path: file.path, enable: file.enable, disable: file.disable });
        else {
          println(`Wrote ${file.path} (${file.kind})`);
          println(`To enable it, run: ${file.enable}`);
        }
      } catch (err) {
        failAndExit(err, opts.json ?? false);
      }
    });

  program
    .command('unstartup [kind]')
    .description('Remove what "sentinel startup" wrote (only a file it wrote)')
    .option('--user', 'the per-user file')
    .option('--path <file>', 'the file "sentinel startup --path" wrote')
    .option('--json', 'print the result as JSON')
    .action((kind: string | undefined, opts: BootOpts) => {
      try {
        const file = build(chooseKind(kind), opts);
        if (!existsSync(file.path)) {
          throw new SentinelError('NOT_FOUND', `${file.path} does not exist: nothing to remove${kind ? '' : ` (looked for the ${file.kind} file; name another kind, e.g. "sentinel unstartup initd")`}`);
        }
        if (!readFileSync(file.path, 'utf8').includes(BOOT_MARKER)) {
          throw new SentinelError('FILE_EXISTS', `${file.path} was not written by "sentinel startup"; it was left as it is`);
        }
        rmSync(file.path);
        if (opts.json) printJson({ kind: file.kind, path: file.path, removed: true, disable: file.disable });
        else {
          println(`Removed ${file.path}`);
          println(`If it was enabled, also run: ${file.disable}`);
        }
      } catch (err) {
        failAndExit(err, opts.json ?? false);
      }
    });

  program
    .command('export <format> [names...]')
    .description(`Write processes (and schedules) for another system: FORMAT ${EXPORT_FORMATS.join(', ')}, or an exporter plugin declared in daemon.yaml. Every setting the format cannot carry is a warning`)
    .option('-f, --file <file>', "export a config file instead of the daemon's processes (nothing is started)")
    .option('--environment <name>', 'with -f: apply the environments.<name> overlay')
    .option('--format <format>', `with -f: ${FORMAT_HELP}`, oneOf('--format', STACK_FORMATS))
    .option('-o, --dir <dir>', 'directory to write the files into', '.')
    .option('--image <image>', 'container image: IMAGE for every process, or NAME=IMAGE for one (repeatable); without one a documented base image is used, with a warning', collect, [])
    .option('--stdout', 'print the files instead of writing them')
    .option('--json', 'print the result as JSON')
    .action(async (format: string, names: string[], opts: { file?: string; environment?: string; format?: StackFormat; dir: string; image: string[]; stdout?: boolean; json?: boolean }) => {
      await act(
        opts,
        async (c) => {
          // a built-in format, or an exporter plugin the daemon knows (it says which there are when neither)
          const chosen = format;
          const images: Record<string, string> = {};
          let image: string | undefined;
          for (const item of opts.image) {
            const eq = item.indexOf('=');
            if (eq === 0 || item.endsWith('=')) badValue('--image', item, 'IMAGE or NAME=IMAGE, e.g. --image web=registry.example/web:1.2');
            if (eq < 0) image = item;
            else images[item.slice(0, eq)] = item.slice(eq + 1);
          }
          if (chosen === 'systemd' && opts.image.length) throw new SentinelError('INVALID_ARGUMENT', '--image goes with kubernetes, nomad and compose: systemd units run the command on this machine');
          const fromFile = opts.file !== undefined ? stackParams({ file: opts.file, environment: opts.environment, format: opts.format }) : undefined;
          if (!fromFile && (opts.environment !== undefined || opts.format !== undefined)) throw new SentinelError('INVALID_ARGUMENT', '--environment and --format go with -f FILE');
          const res = await c.call('export.units', {
            format: chosen, names: names.length ? names : undefined, image, images: Object.keys(images).length ? images : undefined,
            ...(fromFile ? { file: fromFile.file, environment: fromFile.environment, env: fromFile.env, configFormat: fromFile.format } : {}),
          });
          if (res.files.length === 0) {
            throw new SentinelError('NOT_FOUND', fromFile ? `${path.basename(fromFile.file)} has nothing to export` : 'there are no processes to export; start some with "sentinel run" or "sentinel up", or export a config file with -f FILE');
          }
          if (opts.stdout || opts.json) return res;
          const dir = path.resolve(opts.dir);
          // every path checked before anything is written: a plugin's answer may not leave the directory
          for (const f of res.files) {
            const problem = exportPathProblem(f.file);
            const target = path.resolve(dir, f.file);
            if (problem || !target.startsWith(dir + path.sep)) throw new SentinelError('PLUGIN_FAILED', `export ${format}: ${problem ?? `${f.file} is outside ${dir}`}; nothing was written`);
          }
          mkdirSync(dir, { recursive: true });
          for (const f of res.files) {
            const target = path.resolve(dir, f.file);
            mkdirSync(path.dirname(target), { recursive: true });
            writeFileSync(target, f.content, { mode: 0o644 });
          }
          return { ...res, dir };
        },
        (res) => {
          const warn = () => res.warnings.forEach((w) => process.stderr.write(`Warning: ${w}\n`));
          if (opts.stdout) {
            for (const f of res.files) println(`# ${f.file}\n${f.content}`);
            warn();
            return;
          }
          for (const f of res.files) println(`Wrote ${path.join((res as { dir?: string }).dir ?? '.', f.file)}`);
          warn();
          const next = NEXT_STEP[format as keyof typeof NEXT_STEP];
          if (next) println(next);
        },
      );
    });
}

const NEXT_STEP = {
  systemd: 'To let systemd own them: copy them to /etc/systemd/system, stop them in Sentinel, then "systemctl daemon-reload && systemctl enable --now <unit>"',
  kubernetes: 'To apply them: "kubectl apply -f <dir>" (create the Secret named in the warnings first, if any)',
  nomad: 'To run them: "nomad job run -json <file>" for each file',
  compose: 'To run it: "docker compose -f <dir>/compose.yaml up -d"',
};
