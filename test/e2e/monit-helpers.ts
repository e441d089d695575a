// A tmux server of the test's own (its own socket name) running a shell with SENTINEL_HOME set, where the monitor
// is started like a user would; the screen is read back with capture-pane.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { BIN, waitFor } from '../helpers.js';

export class Tmux {
  readonly socket = `sn-monit-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  readonly session = 'monit';

  constructor(env: Record<string, string>, size = { x: 120, y: 40 }) {
    const vars = Object.entries({ PS1: 'monit-test$ ', ...env }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    this.run(['new-session', '-d', '-s', this.session, '-x', String(size.x), '-y', String(size.y), ...vars, 'bash', '--norc', '--noprofile']);
  }

  run(args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', timeout: 10_000 });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  }

  /** Types a command line into the shell. */
  type(line: string): void {
    this.run(['send-keys', '-t', this.session, '-l', line]);
    this.run(['send-keys', '-t', this.session, 'Enter']);
  }

  keys(...keys: string[]): void {
    this.run(['send-keys', '-t', this.session, ...keys]);
  }

  startMonit(args: string[] = []): void {
    this.type([process.execPath, '--', BIN, 'monit', ...args].map((a) => `'${a}'`).join(' '));
  }

  screen(): string {
    return this.run(['capture-pane', '-p', '-t', this.session]);
  }

  lines(): string[] {
    return this.screen().split('\n');
  }

  /** A tmux format value of the pane: alternate_on, cursor_flag, pane_width... */
  format(name: string): string {
    return this.run(['display-message', '-p', '-t', this.session, `#{${name}}`]).trim();
  }

  /** Waits until the screen satisfies `check` and returns it; fails with the last screen when it never does. */
  async waitScreen(check: (screen: string) => boolean, timeoutMs = 15_000): Promise<string> {
    let last = '';
    if (!(await waitFor(() => check((last = this.screen())), timeoutMs, 100))) {
      throw new Error(`the screen never showed what was expected (${check.toString().slice(0, 200)}); last screen:\n${last}`);
    }
    return last;
  }

  /** The PID of the command running in the shell (the monitor), if any. */
  childOfShell(): number | null {
    const shell = Number(this.format('pane_pid'));
    try {
      const kids = readFileSync(`/proc/${shell}/task/${shell}/children`, 'utf8').trim();
      return kids ? Number(kids.split(/\s+/)[0]) : null;
    } catch {
      return null;
    }
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { timeout: 10_000 });
  }
}
