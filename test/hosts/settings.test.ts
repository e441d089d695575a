// The hosts: key of daemon.yaml, read through the daemon's own settings loader.
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDaemonSettings } from '../../src/daemon/settings.js';
import { tempHome } from '../helpers.js';

const homes: string[] = [];
function load(yaml: string) {
  const home = tempHome('snhs-');
  homes.push(home);
  writeFileSync(path.join(home, 'daemon.yaml'), yaml);
  return loadDaemonSettings(home);
}
afterEach(() => {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

describe('hosts: in daemon.yaml', () => {
  it('defaults to none, and reads ssh and url entries with a 5 s timeout unless given', async () => {
    expect((await load('{}')).hosts).toEqual([]);
    const tokenFile = path.join(homes[0], 'daemon.yaml');
    const s = await load(`hosts:\n  - {name: a, ssh: "deploy@10.0.0.5:2222", remote_home: /srv/s}\n  - {name: b, url: "https://h:9797", token_file: ${tokenFile}, timeout: 2s}\n`);
    expect(s.hosts).toEqual([
      { name: 'a', ssh: 'deploy@10.0.0.5:2222', remote_home: '/srv/s', timeout: 5000 },
      { name: 'b', url: 'https://h:9797', token_file: tokenFile, timeout: 2000 },
    ]);
  });

  it('refuses bad entries, naming the key', async () => {
    await expect(load('hosts:\n  - {name: "bad name", ssh: h}\n')).rejects.toThrow(/hosts\.0\.name: a host name is letters/);
    await expect(load('hosts:\n  - {name: a, ssh: h, remote_home: rel/dir}\n')).rejects.toThrow(/hosts\.0\.remote_home: must be an absolute path/);
    await expect(load('hosts:\n  - {name: a, ssh: h, token_file: /etc/hostname}\n')).rejects.toThrow(/"token_file" and "ca_file" are for a host reached by url/);
    await expect(load('hosts:\n  - {name: a, url: "http://h:1", token_file: rel.token}\n')).rejects.toThrow(/path "rel.token" must be absolute/);
    await expect(load('hosts:\n  - {name: a, ssh: h, timeout: soon}\n')).rejects.toThrow(/hosts\.0\.timeout/);
    await expect(load('hosts: {a: 1}\n')).rejects.toThrow(/hosts: /);
  });
});
