// `sentinel monit` in a real terminal (tmux) against a real daemon: the table, a crash seen live, the keys
// acting through the daemon's operations (checked with `list --json`), filter, resize, and a clean exit.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, cleanupHome, cli, cliJson, tempHome, waitFor } from '../helpers.js';
import { Tmux } from './monit-helpers.js';

interface View { name: string; status: string; restarts: number; pid: number | null }

let home: string;
let tmux: Tmux;
let crashFile: string;
const list = async () => (await cliJson<{ processes: View[] }>(home, ['list'])).processes;
const proc = async (name: string) => (await list()).find((p) => p.name === name)!;
const rowOf = (screen: string, name: string) => screen.split('\n').find((l) => new RegExp(`^[> ] ${name} `).test(l)) ?? '';

beforeAll(async () => {
  home = tempHome('snm-');
  crashFile = path.join(home, 'crash-now');
  expect((await cli(home, ['run', 'sleep 1000', '--name', 'web'])).code).toBe(0);
  expect((await cli(home, ['run', `while [ ! -f ${crashFile} ]; do sleep 0.1; done; echo going down >&2; exit 3`, '--name', 'crashy', '--restart', 'never'])).code).toBe(0);
  expect((await cli(home, ['run', 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 0.3; done', '--name', 'ticker'])).code).toBe(0);
  tmux = new Tmux({ SENTINEL_HOME: home });
});

afterAll(async () => {
  tmux?.kill();
  await cleanupHome(home);
});

describe('sentinel monit in a terminal', () => {
  it('shows the running processes in a table, on the alternate screen with the cursor hidden', async () => {
    tmux.startMonit();
    const screen = await tmux.waitScreen((s) => ['web', 'crashy', 'ticker'].every((n) => /running/.test(rowOf(s, n))));
    for (const n of ['web', 'crashy', 'ticker']) expect(rowOf(screen, n)).toMatch(/running\s+\d+/);
    expect(screen).toMatch(/NAME\s+STATE\s+PID\s+CPU\s+MEM\s+RESTARTS\s+HEALTH\s+UPTIME/);
    expect(screen).toContain('3 processes, 3 running');
    expect(tmux.format('alternate_on')).toBe('1');
    expect(tmux.format('cursor_flag')).toBe('0');
    // the first process is selected and its logs pane is titled
    expect(rowOf(screen, 'web')).toMatch(/^> web/);
    expect(screen).toMatch(/── logs: web ─/);
  });

  it('shows a crash as the new state within a few seconds', async () => {
    writeFileSync(crashFile, '');
    const screen = await tmux.waitScreen((s) => /exited/.test(rowOf(s, 'crashy')));
    expect(rowOf(screen, 'crashy')).toMatch(/crashy\s+exited\s+-/);
    expect(screen).toContain('3 processes, 2 running');
  });

  it('follows the selected process\'s logs in the lower pane', async () => {
    tmux.keys('j', 'j');
    const screen = await tmux.waitScreen((s) => /^> ticker/m.test(s) && /^tick \d+$/m.test(s));
    expect(screen).toMatch(/── logs: ticker ─/);
    const before = Math.max(...[...screen.matchAll(/^tick (\d+)$/gm)].map((m) => Number(m[1])));
    const later = await tmux.waitScreen((s) => [...s.matchAll(/^tick (\d+)$/gm)].some((m) => Number(m[1]) > before));
    expect(Math.max(...[...later.matchAll(/^tick (\d+)$/gm)].map((m) => Number(m[1])))).toBeGreaterThan(before);
  });

  it('r restarts the selected process (its restarts count goes up)', async () => {
    tmux.keys('k', 'k');
    await tmux.waitScreen((s) => /^> web/m.test(s));
    const before = await proc('web');
    tmux.keys('r');
    // counted at once, running once it stayed up its start wait (300 ms)
    expect(await waitFor(async () => (await proc('web')).restarts === before.restarts + 1, 15_000, 100)).toBe(true);
    expect(await waitFor(async () => (await proc('web')).status === 'running', 15_000, 100)).toBe(true);
    const after = await proc('web');
    expect(after.restarts).toBe(before.restarts + 1);
    expect(after.pid).not.toBe(before.pid);
    const screen = await tmux.waitScreen((s) => s.includes('Restarted web'));
    expect(screen).toContain('Restarted web');
    expect(rowOf(await tmux.waitScreen((s) => /\s1\s/.test(rowOf(s, 'web').replace(/^.*running\s+\d+/, ''))), 'web')).toMatch(/running/);
  });

  it('s asks first: any key but y cancels and stops nothing; y stops the process', async () => {
    tmux.keys('s');
    await tmux.waitScreen((s) => s.includes('Stop web? y stops it'));
    tmux.keys('n');
    await tmux.waitScreen((s) => s.includes('Stop cancelled'));
    expect((await proc('web')).status).toBe('running');
    const pid = (await proc('web')).pid!;
    tmux.keys('s');
    await tmux.waitScreen((s) => s.includes('Stop web? y stops it'));
    tmux.keys('y');
    expect(await waitFor(async () => (await proc('web')).status === 'stopped', 15_000, 100)).toBe(true);
    expect(await waitFor(() => !alive(pid), 5000)).toBe(true);
    const screen = await tmux.waitScreen((s) => /stopped/.test(rowOf(s, 'web')) && s.includes('Stopped web'));
    expect(rowOf(screen, 'web')).toMatch(/web\s+stopped/);
  });

  it('t starts the selected process again', async () => {
    tmux.keys('t');
    expect(await waitFor(async () => (await proc('web')).status === 'running', 15_000, 100)).toBe(true);
    expect(await tmux.waitScreen((s) => s.includes('Started web'))).toContain('Started web');
  });

  it('/ filters the table by name; Esc clears the filter', async () => {
    tmux.keys('/', 'c', 'r', 'a');
    let screen = await tmux.waitScreen((s) => s.includes('Filter: cra'));
    expect(rowOf(screen, 'crashy')).not.toBe('');
    expect(rowOf(screen, 'web')).toBe('');
    expect(rowOf(screen, 'ticker')).toBe('');
    tmux.keys('Enter');
    screen = await tmux.waitScreen((s) => !s.includes('Filter: cra') && s.includes('filter "cra"'));
    expect(rowOf(screen, 'crashy')).toMatch(/^> crashy/);
    tmux.keys('/', 'z', 'z', 'z');
    screen = await tmux.waitScreen((s) => s.includes('No process matches "crazzz"'));
    expect(screen).toContain('No process matches "crazzz"');
    tmux.keys('Escape');
    screen = await tmux.waitScreen((s) => ['web', 'crashy', 'ticker'].every((n) => rowOf(s, n) !== ''));
    expect(screen).not.toContain('filter "');
  });

  it('? shows the keys; any key goes back to the table', async () => {
    tmux.keys('?');
    const help = await tmux.waitScreen((s) => s.includes('restart the selected process'));
    expect(help).toContain('filter by name');
    tmux.keys('x');
    await tmux.waitScreen((s) => rowOf(s, 'web') !== '');
    expect(tmux.screen()).not.toContain('restart the selected process');
  });

  it('redraws to the new width when the terminal is resized', async () => {
    const logTitle = (s: string) => s.split('\n').find((l) => l.startsWith('── logs: ')) ?? '';
    expect(logTitle(tmux.screen()).length).toBe(120);
    tmux.run(['resize-window', '-t', tmux.session, '-x', '60', '-y', '20']);
    const screen = await tmux.waitScreen((s) => logTitle(s).length === 60);
    expect(logTitle(screen)).toHaveLength(60);
    const lines = screen.split('\n');
    expect(lines.every((l) => l.length <= 60)).toBe(true);
    // the narrow table dropped its PID column but kept the state
    expect(screen).toMatch(/NAME\s+STATE/);
    expect(screen).not.toMatch(/\bPID\b/);
    expect(rowOf(screen, 'web')).toMatch(/running/);
    tmux.run(['resize-window', '-t', tmux.session, '-x', '120', '-y', '40']);
    expect(logTitle(await tmux.waitScreen((s) => logTitle(s).length === 120))).toHaveLength(120);
  });

  it('q quits and leaves the shell as it was: no alternate screen, cursor shown, exit code 0', async () => {
    tmux.keys('q');
    const screen = await tmux.waitScreen((s) => s.trimEnd().endsWith('monit-test$'));
    expect(tmux.format('alternate_on')).toBe('0');
    expect(tmux.format('cursor_flag')).toBe('1');
    expect(screen).not.toContain('── logs:');
    tmux.type('echo "monit exited $?"');
    expect(await tmux.waitScreen((s) => s.includes('monit exited 0'))).toContain('monit exited 0');
    tmux.type('clear');
  });

  it('SIGTERM also restores the terminal', async () => {
    tmux.startMonit();
    await tmux.waitScreen((s) => rowOf(s, 'web') !== '');
    const pid = tmux.childOfShell();
    expect(pid).not.toBeNull();
    process.kill(pid!, 'SIGTERM');
    await tmux.waitScreen((s) => s.trimEnd().endsWith('monit-test$'));
    expect(await waitFor(() => !alive(pid!), 5000)).toBe(true);
    expect(tmux.format('alternate_on')).toBe('0');
    expect(tmux.format('cursor_flag')).toBe('1');
    tmux.type('echo "monit exited $?"');
    expect(await tmux.waitScreen((s) => s.includes('monit exited 143'))).toContain('monit exited 143');
    tmux.type('clear');
  });

  it('shows a daemon that went away in the header, and the table again once it is back', async () => {
    tmux.type('clear');
    tmux.startMonit();
    await tmux.waitScreen((s) => /running/.test(rowOf(s, 'web')));
    expect((await cli(home, ['daemon', 'restart'])).code).toBe(0);
    // the restarted daemon re-adopts every process: the table comes back with them running
    const back = await tmux.waitScreen((s) => /running/.test(rowOf(s, 'web')) && !s.includes('! '));
    expect(rowOf(back, 'web')).toMatch(/running/);
    expect((await cli(home, ['daemon', 'stop'])).code).toBe(0);
    const lost = await tmux.waitScreen((s) => /^ Sentinel monit .*! no daemon is running/m.test(s));
    expect(lost).toContain('sentinel daemon start');
    expect((await cli(home, ['daemon', 'start'])).code).toBe(0);
    await tmux.waitScreen((s) => !/! no daemon is running/.test(s) && rowOf(s, 'web') !== '');
    tmux.keys('q');
    await tmux.waitScreen((s) => s.trimEnd().endsWith('monit-test$'));
    expect(tmux.format('alternate_on')).toBe('0');
  });

  it('refuses without a terminal, and --token without --url, with a clear error and no side effect', async () => {
    const noTty = await cli(home, ['monit']);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(/^Error: sentinel monit needs a terminal .*sentinel list --json/);
    const token = await cli(home, ['monit', '--token', 'abc']);
    expect(token.code).toBe(2);
    expect(token.stderr).toMatch(/--token is for a remote daemon: add --url/);
    for (const url of ['ftp://x:1', 'not a url', 'http://h:1/path']) {
      const bad = await cli(home, ['monit', '--url', url]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/^Error: --url .*(http:\/\/|scheme, host and port)/);
    }
    expect(existsSync(path.join(home, 'monit'))).toBe(false);
    expect((await list()).map((p) => p.name).sort()).toEqual(['crashy', 'ticker', 'web']);
  });
});
