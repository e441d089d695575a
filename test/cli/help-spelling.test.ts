// Every help text of the CLI is spell-checked: each command's `--help` (walked from the top through every
// "Commands:" list, as a user would) against an English Hunspell dictionary, with the project's own words
// (commands, options, technical terms) listed below.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import nspell from 'nspell';
import dictionary from 'dictionary-en';
import { BIN } from '../helpers.js';

const run = promisify(execFile);

// words of the trade the dictionary does not know; each one is written correctly here
const PROJECT_WORDS = `
  sentinel systemd supervisord pm2 procfile dotenv env envs cwd stdout stderr stdin pid pids ppid uid gid cgroup cgroups
  cron crontab tz json yaml yml toml ndjson http https tcp tls url urls sqlite wal api ui tty tmux ssh sshd nix podman
  docker runc compose kubernetes nomad prometheus openmetrics sse websocket cors csv regex grep gzip gzipped utf
  config configs startup unstartup runtime runtimes readiness liveness healthcheck healthchecks hostname localhost
  ecosystem daemon daemons daemon's autostart stopall startall restartall rm ls ps init inotify monit webhook webhooks
  sigterm sigkill sigint sighup sigusr sigquit signame ionice nice nicer realtime schedulable unix argv dir dirs repo
  namespace namespaces id ids ms cpu cpus rss ram io oom cidr ipv ip cli stdin dev mib gib kib mb gb kb ok
  timestamps timestamp jitter backoff hpa sigstop subtree subcommand subcommands cmdline uptime unlimited ini
  textfile scrape scrapes exporter exporters prom openapi auth whoami viewer viewers rollout rollouts unscoped
  upsert lookups dedup inline multiline stdin's todo unassigned mem cron's
  lifecycle initd openrc launchd launchagent npm chroot ci contenttype gitignore
`.split(/\s+/).filter(Boolean);

/** The help of `sentinel ARGS --help`, and the subcommands it lists. */
async function help(args: string[]): Promise<{ text: string; subcommands: string[] }> {
  const { stdout } = await run(process.execPath, [BIN, ...args, '--help'], { env: { ...process.env, NO_COLOR: '1', COLUMNS: '200' } });
  const commands = stdout.split('\nCommands:\n')[1] ?? '';
  const subcommands = commands
    .split('\n')
    .map((l) => /^ {2}([a-z][\w-]*)/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined && c !== 'help');
  return { text: stdout, subcommands };
}

/** Every help page: [command path, text]. */
async function allHelp(): Promise<Array<[string, string]>> {
  const pages: Array<[string, string]> = [];
  const queue: string[][] = [[]];
  while (queue.length > 0) {
    const batch = queue.splice(0, 6);
    const results = await Promise.all(batch.map((args) => help(args)));
    batch.forEach((args, i) => {
      pages.push([['sentinel', ...args].join(' '), results[i].text]);
      for (const sub of results[i].subcommands) queue.push([...args, sub]);
    });
  }
  return pages;
}

/** The prose of a help page: descriptions, not usage lines, option names, paths, examples or quoted text. */
function prose(text: string): string[] {
  const words: string[] = [];
  for (const raw of text.split('\n')) {
    if (raw.startsWith('Usage:')) continue;
    const line = raw
      .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, ' ') // quoted examples and values
      .replace(/\$\{[^}]*\}|\$\w+/g, ' ') // variables
      .replace(/(^|\s)-{1,2}[\w-]+/g, ' ') // options
      .replace(/<[^>]*>|\[[^\]]*\]/g, ' ') // argument placeholders
      .replace(/\S*[/=:@.]\S*[\w)]/g, ' ') // paths, urls, KEY=VALUE, name:index, file names
      .replace(/\b[A-Z][A-Z0-9_]{1,}\b/g, ' '); // ENV_NAMES and acronyms
    for (const w of line.match(/[A-Za-z][A-Za-z']*[A-Za-z]|[A-Za-z]/g) ?? []) words.push(w);
  }
  return words;
}

describe('help texts', () => {
  it('are spelled correctly, on every command', async () => {
    const spell = nspell(dictionary);
    for (const w of PROJECT_WORDS) spell.add(w);
    const pages = await allHelp();
    // the walk reached the nested commands too
    expect(pages.length).toBeGreaterThan(60);
    expect(pages.some(([cmd]) => cmd === 'sentinel group stop')).toBe(true);
    const wrong: string[] = [];
    for (const [cmd, text] of pages) {
      for (const w of prose(text)) {
        const word = w.replace(/'s$/, '');
        if (word.length < 2 || spell.correct(word) || spell.correct(word.toLowerCase())) continue;
        wrong.push(`${cmd}: "${w}"${spell.suggest(word).length ? ` (did you mean ${spell.suggest(word).slice(0, 3).join(', ')}?)` : ''}`);
      }
    }
    expect([...new Set(wrong)]).toEqual([]);
  }, 120_000);

  it('the checker itself flags a misspelling', () => {
    const spell = nspell(dictionary);
    expect(prose('  stop [options] <group>   Stopp all processes of a group').filter((w) => !spell.correct(w))).toEqual(['Stopp']);
  });
});
