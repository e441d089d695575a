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
import { homePaths } from '../../daemon/home.js';
import { BOOT_KINDS, BOOT_MARKER, bootFile, detectBootKind, type BootKind, type BootFile } from '../../export/boot.js';
import { act } from '../common.js';
import { oneOf, badValue } from '../option-values.js';
import { failAndExit, printJson, println } from '../output.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The installed CLI and daemon entry, wherever this bundle or build lives. */
function installPaths(): { cli: string; daemonEntry: string } {
  // dist/cli/bundle.js and dist/cli/commands/boot.js both sit under dist/; bin/ and dist/daemon/ are its neighbours
  const dist = here.includes(`${path.sep}commands`) ? path.resolve(here, '../..') : path.resolve(here, '..');
  return { cli: path.resolve(dist, '../bin/sentinel.js'), daemonEntry: path.join(dist, 'daemon/main.js') };
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
    node: process.execPath, daemonEntry, cli, home: homePaths().home,
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
    .description('Write processes as units of another system, one file per process: FORMAT systemd')
    .option('-d, --dir <dir>', 'directory to write the files into', '.')
    .option('--stdout', 'print the files instead of writing them')
    .option('--json', 'print the result as JSON')
    .action(async (format: string, names: string[], opts: { dir: string; stdout?: boolean; json?: boolean }) => {
      await act(
        opts,
        async (c) => {
          const res = await c.call('export.units', { format: oneOf('export', ['systemd'])(format) as 'systemd', names: names.length ? names : undefined });
          if (res.files.length === 0) throw new SentinelError('NOT_FOUND', 'there are no processes to export; start some with "sentinel run" or "sentinel up"');
          if (opts.stdout || opts.json) return res;
          const dir = path.resolve(opts.dir);
          mkdirSync(dir, { recursive: true });
          for (const f of res.files) writeFileSync(path.join(dir, f.file), f.content, { mode: 0o644 });
          return { ...res, dir };
        },
        (res) => {
          if (opts.stdout) {
            for (const f of res.files) println(`# ${f.file}\n${f.content}`);
            return;
          }
          for (const f of res.files) println(`Wrote ${path.join((res as { dir?: string }).dir ?? '.', f.file)}`);
          println('To let systemd own them: copy them to /etc/systemd/system, stop them in Sentinel, then "systemctl daemon-reload && systemctl enable --now <unit>"');
        },
      );
    });
}
