// Where --port auto looks: SENTINEL_AUTO_PORTS, below the kernel's ephemeral range by default.
import { describe, expect, it } from 'vitest';
import { autoPortRange } from '../../src/daemon/ops/ports.js';

describe('auto port range', () => {
  it('defaults to 20000-32767, below the ephemeral range', () => {
    expect(autoPortRange({})).toEqual([20000, 32767]);
    expect(autoPortRange({ SENTINEL_AUTO_PORTS: '' })).toEqual([20000, 32767]);
  });

  it('takes LOW-HIGH from SENTINEL_AUTO_PORTS', () => {
    expect(autoPortRange({ SENTINEL_AUTO_PORTS: '41000-41009' })).toEqual([41000, 41009]);
    expect(autoPortRange({ SENTINEL_AUTO_PORTS: ' 5000-5000 ' })).toEqual([5000, 5000]);
  });

  it.each(['abc', '9-1', '0-10', '100-70000', '100', '-5-10'])('refuses %s, saying how to write it', (value) => {
    expect(() => autoPortRange({ SENTINEL_AUTO_PORTS: value })).toThrow(`SENTINEL_AUTO_PORTS="${value}" is not a port range; write LOW-HIGH`);
  });
});

describe('auto port range, end to end', () => {
  it('a range with no free port left refuses --port auto and names the range and the variable', async () => {
    const { cleanupHome, cli, tempHome } = await import('../helpers.js');
    const net = await import('node:net');
    const home = tempHome();
    const holder = net.createServer();
    try {
      await new Promise<void>((resolve) => holder.listen(0, '0.0.0.0', () => resolve()));
      const port = (holder.address() as { port: number }).port;
      const env = { SENTINEL_AUTO_PORTS: `${port}-${port}` };
      const r = await cli(home, ['run', 'sleep 300', '--name', 'a', '--port', 'auto'], { env });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`could not find a free port in ${port}-${port} after 50 attempts`);
      expect(r.stderr).toContain('SENTINEL_AUTO_PORTS=LOW-HIGH');
      holder.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const ok = await cli(home, ['run', 'sleep 300', '--name', 'b', '--port', 'auto', '--json'], { env });
      expect(ok.code, ok.stderr).toBe(0);
      expect(JSON.parse(ok.stdout).process.port).toBe(port);
    } finally {
      holder.close();
      await cleanupHome(home);
    }
  }, 30_000);
});
