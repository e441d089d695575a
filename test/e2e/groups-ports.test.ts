// Groups and ports as in the README, through the built CLI.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupHome, cli, cliJson, tempHome, waitFor } from '../helpers.js';

interface View { name: string; pid: number | null; status: string; group: string | null; port: number | null }
let home: string;
beforeAll(() => { home = tempHome(); });
afterAll(async () => { await cleanupHome(home); });

describe('groups', () => {
  it('create with env, add, list, stop, start, restart, remove, delete --stop', async () => {
    expect((await cli(home, ['group', 'create', 'workers', '--env', 'ROLE=worker', '--env', 'QUEUE=high'])).stdout).toBe('Created group workers\n');
    const dup = await cli(home, ['group', 'create', 'workers']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toBe('Error: group "workers" already exists; "sentinel group list" shows the groups\n');
    await cli(home, ['run', 'echo role=$ROLE queue=$QUEUE; sleep 300', '--name', 'w1', '--group', 'workers']);
    const w2 = await cliJson<{ process: View }>(home, ['run', 'sleep 300', '--name', 'w2']);
    expect((await cli(home, ['group', 'add', 'workers', String(w2.process.id ?? 'w2')])).code).toBe(0);
    await waitFor(async () => (await cli(home, ['logs', 'w1'])).stdout.includes('role='));
    expect((await cli(home, ['logs', 'w1', '--stream', 'stdout'])).stdout).toContain('role=worker queue=high');
    const listed = await cliJson<{ processes: View[] }>(home, ['group', 'list', 'workers']);
    expect(listed.processes.map((p) => p.name)).toEqual(['w1', 'w2']);
    expect((await cli(home, ['group', 'list'])).stdout).toContain('workers  (2 processes: w1, w2; env: ROLE, QUEUE)');
    const stop = await cli(home, ['group', 'stop', 'workers']);
    expect(stop.stdout).toBe('Stopped w1\nStopped w2\n');
    expect((await cliJson<{ processes: View[] }>(home, ['group', 'list', 'workers'])).processes.every((p) => p.status === 'stopped')).toBe(true);
    await cli(home, ['group', 'start', 'workers']);
    expect((await cliJson<{ processes: View[] }>(home, ['group', 'list', 'workers'])).processes.every((p) => p.status === 'running')).toBe(true);
    const pids = (await cliJson<{ processes: View[] }>(home, ['group', 'list', 'workers'])).processes.map((p) => p.pid);
    await cli(home, ['group', 'restart', 'workers']);
    const newPids = (await cliJson<{ processes: View[] }>(home, ['group', 'list', 'workers'])).processes.map((p) => p.pid);
    expect(newPids.every((p, i) => p !== pids[i])).toBe(true);
    expect((await cli(home, ['group', 'remove', 'workers', 'w2'])).stdout).toBe('Removed w2 from group workers\n');
    const del = await cli(home, ['group', 'delete', 'workers', '--stop']);
    expect(del.stdout).toBe('Deleted group workers and stopped its processes\n');
    const all = (await cliJson<{ processes: View[] }>(home, ['list'])).processes;
    expect(all.find((p) => p.name === 'w1')).toMatchObject({ status: 'stopped', group: null });
    expect(all.find((p) => p.name === 'w2')).toMatchObject({ status: 'running' });
    const missing = await cli(home, ['group', 'start', 'nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error: no group named "nope"; create it with "sentinel group create nope"\n');
  });
});

describe('ports', () => {
  it('allocates free ports, refuses taken ones, lists and frees them, and hands PORT to a process', async () => {
    const a = await cli(home, ['port', 'allocate']);
    expect(a.stdout).toMatch(/^Allocated port \d+ \(default\)\n$/);
    const named = await cliJson<{ port: { port: number; name: string } }>(home, ['port', 'allocate', '--name', 'myapp']);
    expect(named.port.name).toBe('myapp');
    // a port held by another program is refused
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '0.0.0.0', () => r()));
    const busy = (blocker.address() as net.AddressInfo).port;
    const taken = await cli(home, ['port', 'allocate', '--port', String(busy)]);
    blocker.close();
    expect(taken.code).toBe(1);
    expect(taken.stderr).toBe(`Error: port ${busy} is in use by another program on this machine; pick another port or omit --port for a free one\n`);
    const dupe = await cli(home, ['port', 'allocate', '--port', String(named.port.port)]);
    expect(dupe.stderr).toBe(`Error: port ${named.port.port} is already allocated to "myapp"; free it with "sentinel port free ${named.port.port}" or pick another\n`);
    const list = await cli(home, ['port', 'list']);
    expect(list.stdout).toMatch(/\|\s+PORT \| NAME\s+\| OWNER \| ALLOCATED/);
    expect(list.stdout).toMatch(new RegExp(`\\|\\s+${named.port.port} \\| myapp\\s+\\| -\\s+\\|`));
    // run --port NAME hands the allocated port over as PORT
    const web = await cliJson<{ process: View }>(home, ['run', 'echo port=$PORT; sleep 300', '--name', 'web', '--port', 'myapp']);
    expect(web.process.port).toBe(named.port.port);
    await waitFor(async () => (await cli(home, ['logs', 'web'])).stdout.includes('port='));
    expect((await cli(home, ['logs', 'web', '--stream', 'stdout'])).stdout).toBe(`port=${named.port.port}\n`);
    const auto = await cliJson<{ process: View }>(home, ['run', 'sleep 300', '--name', 'auto', '--port', 'auto']);
    // below the kernel's ephemeral range (SENTINEL_AUTO_PORTS' default), where no listen(0) can take it
    expect(auto.process.port).toBeGreaterThanOrEqual(20000);
    expect(auto.process.port).toBeLessThanOrEqual(32767);
    // the list says which process holds each port; a named allocation is held by whoever uses it
    const owned = await cliJson<{ ports: Array<{ port: number; name: string; owner: string | null }> }>(home, ['port', 'list']);
    expect(owned.ports.find((p) => p.port === auto.process.port)).toMatchObject({ name: 'auto', owner: 'auto' });
    expect(owned.ports.find((p) => p.port === named.port.port)).toMatchObject({ name: 'myapp', owner: 'web' });
    expect((await cli(home, ['port', 'list'])).stdout).toMatch(new RegExp(`\\|\\s+${auto.process.port} \\| auto\\s+\\| auto\\s+\\|`));
    // deleting a process frees the port allocated for it; clean does the same for the ones it removes
    expect((await cli(home, ['delete', 'auto'])).code).toBe(0);
    const afterDelete = await cliJson<{ ports: Array<{ port: number }> }>(home, ['port', 'list']);
    expect(afterDelete.ports.map((p) => p.port)).not.toContain(auto.process.port);
    const gone = await cliJson<{ process: View }>(home, ['run', 'exit 0', '--name', 'gone', '--port', 'auto']);
    expect(await waitFor(async () => (await cliJson<{ process: View }>(home, ['status', 'gone'])).process.status === 'exited')).toBe(true);
    expect((await cliJson<{ ports: Array<{ port: number }> }>(home, ['port', 'list'])).ports.map((p) => p.port)).toContain(gone.process.port);
    expect((await cli(home, ['clean'])).code).toBe(0);
    expect((await cliJson<{ ports: Array<{ port: number }> }>(home, ['port', 'list'])).ports.map((p) => p.port)).not.toContain(gone.process.port);
    // the named allocation stays while web, which uses it, is deleted: it belongs to "myapp"
    expect((await cli(home, ['delete', 'web'])).code).toBe(0);
    expect((await cliJson<{ ports: Array<{ port: number }> }>(home, ['port', 'list'])).ports.map((p) => p.port)).toContain(named.port.port);
    expect((await cli(home, ['port', 'free', String(named.port.port)])).stdout).toBe(`Freed port ${named.port.port}\n`);
    const again = await cli(home, ['port', 'free', String(named.port.port)]);
    expect(again.stderr).toBe(`Error: port ${named.port.port} is not allocated; "sentinel port list" shows the allocated ports\n`);
    const bad = await cli(home, ['port', 'allocate', '--port', '70000']);
    expect(bad.stderr).toBe('Error: --port "70000": expected a whole number from 1 to 65535, e.g. 8000\n');
  });
});
