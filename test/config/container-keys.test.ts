// The container and Nix keys of a process: what they normalize to, and every wrong use refused with
// the key's path and what was expected.
import { describe, expect, it } from 'vitest';
import { toProcessSpec } from '../../src/config/normalize.js';
import { loadProject } from './helpers.js';

function load(proc: string) {
  return loadProject({ 'sentinel.yaml': `processes:\n  p:\n${proc.split('\n').map((l) => `    ${l}`).join('\n')}\n` });
}

const texts = (r: ReturnType<typeof load>) => r.messages.map((m) => JSON.stringify(m));

describe('container keys', () => {
  it('normalize into the container section: relative mounts from the cwd, named volumes kept, only written env, a longer start watch', () => {
    const r = load('image: localhost/app:1\nruntime: docker\ncwd: sub\nports: ["8080:80", "127.0.0.1:5353:53/udp"]\nvolumes: ["./data:/data:ro", "cache:/cache"]\ncontainer_user: 1000\nenv: {A: "1"}');
    expect(r.messages).toEqual([]);
    const spec = toProcessSpec(r.config!, 'p', { cwd: r.baseDir, baseEnv: { PATH: '/usr/bin', HOME: '/root' } });
    expect(spec.container).toEqual({
      runtime: 'docker', image: 'localhost/app:1', ports: ['8080:80', '127.0.0.1:5353:53/udp'],
      volumes: [`${r.baseDir}/sub/data:/data:ro`, 'cache:/cache'], user: '1000',
    });
    expect(spec.command).toBe('');
    expect(spec.env).toEqual({ A: '1' });
    expect(spec.startWaitMs).toBe(3000);
    expect(spec.nix).toBeNull();
  });

  it('a plain process has no container and keeps inheriting the environment', () => {
    const r = load('command: sleep 1');
    const spec = toProcessSpec(r.config!, 'p', { cwd: r.baseDir, baseEnv: { PATH: '/usr/bin' } });
    expect(spec.container).toBeNull();
    expect(spec.env.PATH).toBe('/usr/bin');
  });

  it.each([
    ['image: app\nports: ["80"]', 'HOST_PORT:CONTAINER_PORT'],
    ['image: app\nports: ["70000:80"]', 'HOST_PORT:CONTAINER_PORT'],
    ['image: app\nvolumes: ["data"]', 'SOURCE:/TARGET'],
    ['image: app\nvolumes: ["./data:relative"]', 'SOURCE:/TARGET'],
    ['image: app\nruntime: lxc', 'podman'],
    ['command: x\nports: ["8080:80"]', '\\"ports\\" only mean something for a container'],
    ['command: x\nruntime: podman\ncontainer_user: bob', '\\"runtime\\", \\"container_user\\" only mean something for a container'],
    ['image: app\nuser: nobody', 'container_user'],
    ['image: app\nnix: {packages: [hello]}', 'either in a container'],
    ['nix: {packages: [a], file: shell.nix}\ncommand: x', 'exactly one of \\"packages\\" or \\"file\\"'],
    ['nix: {}\ncommand: x', 'exactly one of \\"packages\\" or \\"file\\"'],
    ['runtime: podman', 'got none'],
  ])('refuses %j', (proc, expected) => {
    const r = load(proc);
    expect(r.messages.length).toBeGreaterThan(0);
    expect(texts(r).join('\n')).toContain(expected);
    expect(texts(r).join('\n')).toContain('sentinel.yaml');
  });
});

describe('nix keys', () => {
  it('normalize into the nix section, a file made absolute from the config directory', () => {
    const r = load('command: python3 app.py\nnix: {file: env/shell.nix}');
    const spec = toProcessSpec(r.config!, 'p', { cwd: r.baseDir, baseEnv: {} });
    expect(spec.nix).toEqual({ packages: [], file: `${r.baseDir}/env/shell.nix` });
    const p = load('command: redis-server\nnix: {packages: [redis]}');
    expect(toProcessSpec(p.config!, 'p', { cwd: p.baseDir, baseEnv: {} }).nix).toEqual({ packages: ['redis'], file: null });
  });
});
