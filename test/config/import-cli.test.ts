// `sentinel import FILE -o OUT` through the built CLI and the daemon's import operation: relative
// paths in the written file are rewritten for OUT's directory.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanupHome, cli, tempHome } from '../helpers.js';

let home: string;
let dir: string;
beforeAll(() => {
  home = tempHome();
  dir = mkdtempSync(path.join(os.tmpdir(), 'sn-import-o-'));
});
afterAll(async () => {
  await cleanupHome(home);
  rmSync(dir, { recursive: true, force: true });
});

it('import -o into another directory writes cwd and env_file relative to the written file', async () => {
  mkdirSync(path.join(dir, 'app'));
  writeFileSync(path.join(dir, 'app', '.env.web'), 'A=1\n');
  writeFileSync(path.join(dir, 'app', 'docker-compose.yml'), 'services:\n  web:\n    command: ./bin/web\n    env_file: .env.web\n');
  const r = await cli(home, ['import', 'app/docker-compose.yml', '-o', 'sentinel.yaml'], { cwd: dir });
  expect(r.code).toBe(0);
  const written = readFileSync(path.join(dir, 'sentinel.yaml'), 'utf8');
  expect(written).toContain('processes:\n  web:\n    command: ./bin/web\n    env_file: app/.env.web\n    cwd: app\n');
  // validate checks the program too: it is found from the written file's place, in app/bin
  mkdirSync(path.join(dir, 'app', 'bin'));
  writeFileSync(path.join(dir, 'app', 'bin', 'web'), '#!/bin/sh\nexec sleep 1\n', { mode: 0o755 });
  expect((await cli(home, ['config', 'validate'], { cwd: dir })).stdout).toBe('sentinel.yaml is valid (1 process: web)\n');
  // printed (-o -), nothing is written and the paths stay as in the imported file
  const printed = await cli(home, ['import', 'app/docker-compose.yml', '-o', '-'], { cwd: dir });
  expect(printed.stdout).toContain('processes:\n  web:\n    command: ./bin/web\n    env_file: .env.web\n');
});
