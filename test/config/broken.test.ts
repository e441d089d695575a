// At least 30 broken configurations, each with the exact message(s) a person would read.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigOrThrow } from '../../src/config/load.js';
import { BROKEN } from './broken-cases.js';
import { loadProject, makeProject } from './helpers.js';

const EXPECTED: Record<string, string[]> = {
  "YAML syntax: unclosed flow list": [
    "YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ] (sentinel.yaml:4:1)",
  ],
  "YAML syntax: bad indentation": [
    "YAML syntax error: All mapping items must start at the same column (sentinel.yaml:4:1)",
  ],
  "YAML duplicate key": [
    "duplicate key \"web\": each key may appear only once in a map (sentinel.yaml:4:3)",
  ],
  "TOML syntax error": [
    "TOML syntax error: invalid value (sentinel.toml:2:11)",
  ],
  "JSON syntax error": [
    "JSON syntax error: Expected double-quoted property name (sentinel.json:3:28)",
  ],
  "JSON duplicate key": [
    "duplicate key \"web\": each key may appear only once in an object (JSON keeps only the last, dropping the others) (sentinel.json:4:5)",
  ],
  "top level is a list": [
    "expected a map of sections (processes, groups, ...) at the top of the file, got a list (sentinel.yaml:1:1)",
  ],
  "unknown top-level key": [
    "procesess: unknown key \"procesess\"; did you mean \"processes\"? (sentinel.yaml:1:1)",
  ],
  "unknown process key with suggestion": [
    "processes.web.helth: unknown key \"helth\"; did you mean \"health\"? (sentinel.yaml:4:5)",
  ],
  "unknown key without close match": [
    "processes.web.log.rotate: unknown key \"rotate\"; allowed keys: max_size, keep, compress, timestamps (sentinel.yaml:5:7)",
  ],
  "unknown key in restart object": [
    "processes.web.restart.polcy: unknown key \"polcy\"; did you mean \"policy\"? (sentinel.yaml:5:7)",
  ],
  "bad duration": [
    "processes.web.health.interval: expected a duration like \"5s\", got \"fast\" (sentinel.yaml:6:17)",
  ],
  "bad size": [
    "processes.web.max_memory: expected a size like \"500M\", got \"lots\" (sentinel.yaml:4:17)",
  ],
  "command of wrong type": [
    "processes.web.command: expected a shell command string or a non-empty list (argv), got 42 (sentinel.yaml:3:14)",
  ],
  "command missing": [
    "processes.web: expected a \"command\" (or \"argv\", or an \"image\" to run), got none (sentinel.yaml:2:3)",
  ],
  "command and argv both": [
    "processes.web: expected \"command\" or \"argv\", not both (sentinel.yaml:2:3)",
  ],
  "restart mode misspelled": [
    "processes.web.restart: expected \"never\", \"on-failure\", \"always\" or a map with \"policy\", got \"alway\" (sentinel.yaml:4:14)",
  ],
  "backoff enum": [
    "processes.web.restart.backoff: expected \"fixed\" or \"exponential\", got \"linear\" (sentinel.yaml:6:16)",
  ],
  "env is a list": [
    "processes.web.env: expected a map, got a list (sentinel.yaml:4:10)",
  ],
  "port out of range": [
    "processes.web.port: expected a port number (1-65535), got 70000 (sentinel.yaml:4:11)",
  ],
  "unknown named port": [
    "processes.web.port: no port named \"htp\" in \"ports\"; did you mean \"http\"? (sentinel.yaml:6:11)",
  ],
  "same fixed port twice": [
    "processes.api.port: port 3000 is already used by process \"web\"; give each process its own port or \"auto\" (sentinel.yaml:7:11)",
  ],
  "bad signal": [
    "processes.web.stop_signal: expected a signal name like \"SIGTERM\" or \"INT\", got \"SIGFOO\" (sentinel.yaml:4:18)",
  ],
  "nice out of range": [
    "processes.web.nice: expected a number <= 19, got 40 (sentinel.yaml:4:11)",
  ],
  "health with two checks": [
    "processes.web.health: expected exactly one of \"http\", \"tcp\", \"exec\" or \"plugin\" (sentinel.yaml:4:5)",
  ],
  "dependency condition misspelled": [
    "processes.web.depends_on.db.condition: expected one of \"started\", \"ready\", \"healthy\", \"completed_successfully\", got \"healty\"; did you mean \"healthy\"? (sentinel.yaml:6:20)",
  ],
  "invalid process name": [
    "processes.my web: expected a name made of letters, digits, \"_\", \".\" and \"-\", got \"my web\" (sentinel.yaml:2:3)",
  ],
  "missing variable with message": [
    "processes.web.env.DATABASE_URL: required variable \"DATABASE_URL\" is not set: set DATABASE_URL to the Postgres URL (sentinel.yaml:5:21)",
  ],
  "empty required variable": [
    "processes.web.cwd: required variable \"APP_DIR\" is empty (sentinel.yaml:4:10)",
  ],
  "unterminated interpolation": [
    "processes.web.env.A: unterminated \"${\" in \"${HOME\": add the closing \"}\" or write \"$$\" for a literal \"$\" (sentinel.yaml:5:10)",
  ],
  "invalid interpolation": [
    "processes.web.env.A: invalid interpolation \"${1abc}\": expected ${NAME}, ${NAME:-default}, ${NAME:?message} or ${secret:NAME} (sentinel.yaml:5:10)",
  ],
  "missing secret": [
    "processes.web.env.DB_PASSWORD: secret \"DB_PASSWORD\" is not set; add it with: sentinel secret set DB_PASSWORD (sentinel.yaml:5:20)",
  ],
  "secret outside env": [
    "processes.web.command: ${secret:DB_PASSWORD} can only be used in \"env\" values or notifications; set env: {DB_PASSWORD: \"${secret:DB_PASSWORD}\"} and refer to $DB_PASSWORD in the command (sentinel.yaml:3:14)",
  ],
  "include not found": [
    "include[0]: file \"db.yaml\" not found; include paths are relative to the including file (sentinel.yaml:2:5)",
  ],
  "include cycle": [
    "include[0]: include cycle: a.yaml -> b.yaml -> a.yaml (b.yaml:1:11)",
  ],
  "duplicate process across includes": [
    "processes.web: \"web\" is already defined at sentinel.yaml:3:3; names must be unique across included files (more/db.yaml:2:3)",
  ],
  "syntax error in included file": [
    "YAML syntax error: Flow map in block collection must be sufficiently indented and end with a } (db.yaml:3:1)",
  ],
  "dependency cycle": [
    "processes.a.depends_on: dependency cycle: a -> b -> c -> a (sentinel.yaml:4:17)",
  ],
  "group dependency cycle": [
    "groups.backend.depends_on: dependency cycle: backend -> frontend -> backend (sentinel.yaml:3:17)",
  ],
  "unknown dependency": [
    "processes.web.depends_on: process \"web\" depends on \"dbb\", which is not a defined process or group; did you mean \"db\"? (sentinel.yaml:4:17)",
  ],
  "group named like a process": [
    "groups.web: \"web\" is also a process name; a group and a process cannot share a name (sentinel.yaml:2:3)",
  ],
  "group lists unknown process": [
    "groups.backend.processes[0]: no process named \"wbe\"; did you mean \"web\"? (sentinel.yaml:3:17)",
  ],
  "extends unknown template": [
    "processes.web.extends: no template or process named \"bse\"; did you mean \"base\"? (sentinel.yaml:7:14)",
  ],
  "extends cycle": [
    "templates.a.extends: extends cycle: a -> b -> a (sentinel.yaml:3:14)",
  ],
  "unknown environment": [
    "environment \"prod\" is not defined in sentinel.yaml; defined: production",
  ],
  "overlay brings a bad value": [
    "processes.web.stop_timeout: expected a duration like \"5s\", got \"soon\" (sentinel.yaml:8:23)",
  ],
  "schedule with two triggers": [
    "schedules.backup: expected exactly one of \"cron\", \"every\" or \"at\" (sentinel.yaml:2:3)",
  ],
  "schedule of unknown process": [
    "schedules.nightly.process: no process named \"wbe\"; did you mean \"web\"? (sentinel.yaml:7:14)",
  ],
  "several errors at once": [
    "processes.web.stop_timeout: expected a duration like \"5s\", got \"later\" (sentinel.yaml:4:19)",
    "processes.web.restart: expected \"never\", \"on-failure\", \"always\" or a map with \"policy\", got \"sometimes\" (sentinel.yaml:5:14)",
    "processes.web.colour: unknown key \"colour\"; allowed keys: command, argv, cwd, env, env_file, inherit_env, group, port, restart, restart_cron, stop_signal, stop_timeout, start_wait, startup, health, limits, max_memory, max_cpu, log, depends_on, extends, user, nice, ionice, instances, port_mode, scale, notify, autostart, watch, wrap, image, runtime, ports, volumes, container_user, nix (sentinel.yaml:6:5)",
  ],
  "TOML wrong type with position": [
    "processes.web.stop_timeout: expected a duration like \"5s\", got \"soon\" (sentinel.toml:3:16)",
  ],
  "JSON unknown key with position": [
    "processes.web.restat: unknown key \"restat\"; did you mean \"restart\"? (sentinel.json:5:7)",
  ],
};

describe('broken configurations', () => {
  it('has at least 30 cases, each with expected messages', () => {
    expect(BROKEN.length).toBeGreaterThanOrEqual(30);
    for (const c of BROKEN) expect(EXPECTED[c.name], c.name).toBeDefined();
  });

  for (const c of BROKEN) {
    it(c.name, () => {
      const result = loadProject(c.files, c.options ?? {}, c.main);
      expect(result.config).toBeNull();
      expect(result.messages).toEqual(EXPECTED[c.name]);
    });
  }

  it('throws one INVALID_CONFIG error listing every problem', () => {
    const dir = makeProject({ 'sentinel.yaml': 'processes:\n  web:\n    command: x\n    stop_timeout: later\n    colour: blue\n' });
    let caught: unknown;
    try {
      loadConfigOrThrow(join(dir, 'sentinel.yaml'), { env: {} });
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'INVALID_CONFIG', status: 422 });
    const message = (caught as Error).message;
    expect(message.split('\n')[0]).toBe('sentinel.yaml has 2 errors; nothing was changed:');
    expect(message).toContain('  - processes.web.stop_timeout: expected a duration like "5s", got "later" (sentinel.yaml:4:19)');
    expect(message).toContain('  - processes.web.colour: unknown key "colour"');
  });
});
