// Exact per-line log times (`--log-timestamps` / `log: {timestamps: true}`): output passes through a FIFO
// the daemon reads and stamps. The daemon's size check runs once a minute here, so without stamping no
// line written during the test would have a time of its own.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, readPid, tempHome, waitFor } from '../helpers.js';

const SLOW_CHECK = { SENTINEL_LOG_CHECK_MS: '60000' };
// each line carries the time the program wrote it
const TICKER = `node -e 'let i=0; const t=setInterval(()=>{ i++; console.log("tick "+i+" "+Date.now()); console.error("err "+i+" "+Date.now()); if(i===5){clearInterval(t); setInterval(()=>{},1e6);} }, 400)'`;

interface Line { name?: string; stream: string; line: string; time?: number }

let home: string;
beforeAll(() => { home = tempHome(); });
afterAll(async () => { await cleanupHome(home); });

async function lines(name: string, extra: string[] = []): Promise<Line[]> {
  return (await cliJson<{ lines: Line[] }>(home, ['logs', name, '--timestamps', '--lines', '100', ...extra], { env: SLOW_CHECK })).lines;
}

describe('exact log timestamps', () => {
  it('stamps every line with the time it was written, per stream, in the order written', async () => {
    const run = await cli(home, ['run', '--name', 'ticker', '--log-timestamps', TICKER], { env: SLOW_CHECK });
    expect(run.code, run.stderr).toBe(0);
    expect(await waitFor(async () => (await lines('ticker', ['--stream', 'stderr'])).length === 5, 20_000, 200)).toBe(true);
    const all = await lines('ticker');
    expect(all).toHaveLength(10);
    for (const l of all) {
      const written = Number(l.line.split(' ')[2]);
      expect(l.time, l.line).toBeDefined();
      // read after it was written, and well before the next line (400 ms later; without stamping the
      // first lines would carry the time of the last write, 1.6 s on)
      expect(l.time!).toBeGreaterThanOrEqual(written);
      expect(l.time! - written, l.line).toBeLessThan(1000);
    }
    // merged by time: each tick's stdout and stderr lines come before the next tick's
    const ticks = all.map((l) => Number(l.line.split(' ')[1]));
    expect(ticks).toEqual([...ticks].sort((a, b) => a - b));
    const status = await cliJson<{ spec: { logTimestamps: boolean } }>(home, ['status', 'ticker']);
    expect(status.spec.logTimestamps).toBe(true);
    await cli(home, ['delete', 'ticker']);
  });

  it('without the option, output goes straight to the file and has no time until the size check', async () => {
    await cli(home, ['run', '--name', 'plain', TICKER], { env: SLOW_CHECK });
    expect(await waitFor(async () => (await lines('plain', ['--stream', 'stdout'])).length === 5, 20_000, 200)).toBe(true);
    // no sample was taken: every line carries the file's last write time, 1.6 s after the first line
    const late = (await lines('plain')).filter((l) => l.time === undefined || l.time - Number(l.line.split(' ')[2]) >= 1000);
    expect(late.length).toBeGreaterThan(0);
    await cli(home, ['delete', 'plain']);
  });

  it('keeps every line of a restarting process and across a daemon restart', async () => {
    const counter = path.join(home, 'runs');
    writeFileSync(counter, '0');
    // prints a numbered line per run, then crashes with a stderr line naming its run
    const script = `n=$(($(cat ${counter})+1)); echo $n > ${counter}; echo "run $n"; echo "died in run $n" >&2; sleep 0.2; exit 3`;
    await cli(home, ['run', '--name', 'crashy', '--log-timestamps', '--restart', 'on-failure', '--max-restarts', '3', '--wait', '0', script], { env: SLOW_CHECK });
    expect(await waitFor(async () => (await cliJson<{ process: { status: string } }>(home, ['status', 'crashy'])).process.status === 'failed', 30_000, 200)).toBe(true);
    const out = (await lines('crashy', ['--stream', 'stdout'])).map((l) => l.line);
    expect(out).toEqual(['run 1', 'run 2', 'run 3', 'run 4']);

    const beat = `i=0; while :; do i=$((i+1)); echo "beat $i"; sleep 0.1; done`;
    await cli(home, ['run', '--name', 'beat', '--log-timestamps', beat], { env: SLOW_CHECK });
    expect(await waitFor(async () => (await lines('beat', ['--stream', 'stdout'])).length >= 3, 10_000, 100)).toBe(true);
    // the daemon goes away and comes back; the child's writes wait in the pipe meanwhile
    const restart = await cli(home, ['daemon', 'restart'], { env: SLOW_CHECK });
    expect(restart.code, restart.stderr).toBe(0);
    expect(await waitFor(async () => (await lines('beat', ['--stream', 'stdout'])).length >= 25, 20_000, 200)).toBe(true);
    const beats = (await lines('beat', ['--stream', 'stdout'])).map((l) => Number(l.line.split(' ')[1]));
    // no beat lost or doubled across the restart
    expect(beats).toEqual(beats.map((_, i) => beats[0] + i));
    const pid = readPid(path.join(home, 'daemon.pid'));
    expect(pid).not.toBeNull();
    expect(existsSync(path.join(home, 'logs', '.pipes', 'beat.stdout'))).toBe(true);
    await cli(home, ['stop', 'beat']);
    await cli(home, ['clean']);
    expect(existsSync(path.join(home, 'logs', '.pipes', 'beat.stdout'))).toBe(false);
  });
});
