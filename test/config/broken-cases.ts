// Broken configurations, each a small project: files, load options, and the exact messages expected.
import type { LoadOptions } from '../../src/config/load.js';

export interface BrokenCase {
  name: string;
  files: Record<string, string>;
  main?: string;
  options?: LoadOptions;
  expected: string[];
}

const WEB = 'processes:\n  web:\n    command: node server.js\n';

export const BROKEN: Omit<BrokenCase, 'expected'>[] = [
  { name: 'YAML syntax: unclosed flow list', files: { 'sentinel.yaml': 'processes:\n  web:\n    command: [node, server.js\n' } },
  { name: 'YAML syntax: bad indentation', files: { 'sentinel.yaml': 'processes:\n  web:\n    command: a\n   cwd: b\n' } },
  { name: 'YAML duplicate key', files: { 'sentinel.yaml': `${WEB}  web:\n    command: other\n` } },
  { name: 'TOML syntax error', files: { 'sentinel.toml': '[processes.web]\ncommand = \n' }, main: 'sentinel.toml' },
  { name: 'JSON syntax error', files: { 'sentinel.json': '{\n  "processes": {\n    "web": {"command": "x",}\n  }\n}\n' }, main: 'sentinel.json' },
  { name: 'JSON duplicate key', files: { 'sentinel.json': '{\n  "processes": {\n    "web": {"command": "x"},\n    "web": {"command": "y"}\n  }\n}\n' }, main: 'sentinel.json' },
  { name: 'top level is a list', files: { 'sentinel.yaml': '- web\n- api\n' } },
  { name: 'unknown top-level key', files: { 'sentinel.yaml': `procesess:\n  web:\n    command: x\n` } },
  { name: 'unknown process key with suggestion', files: { 'sentinel.yaml': `${WEB}    helth:\n      http: http://127.0.0.1:3000/\n` } },
  { name: 'unknown key without close match', files: { 'sentinel.yaml': `${WEB}    log:\n      rotate: daily\n` } },
  { name: 'unknown key in restart object', files: { 'sentinel.yaml': `${WEB}    restart:\n      polcy: always\n` } },
  { name: 'bad duration', files: { 'sentinel.yaml': `${WEB}    health:\n      http: http://127.0.0.1:3000/health\n      interval: fast\n` } },
  { name: 'bad size', files: { 'sentinel.yaml': `${WEB}    max_memory: lots\n` } },
  { name: 'command of wrong type', files: { 'sentinel.yaml': 'processes:\n  web:\n    command: 42\n' } },
  { name: 'command missing', files: { 'sentinel.yaml': 'processes:\n  web:\n    cwd: ./app\n' } },
  { name: 'command and argv both', files: { 'sentinel.yaml': `${WEB}    argv: [node, server.js]\n` } },
  { name: 'restart mode misspelled', files: { 'sentinel.yaml': `${WEB}    restart: alway\n` } },
  { name: 'backoff enum', files: { 'sentinel.yaml': `${WEB}    restart:\n      policy: always\n      backoff: linear\n` } },
  { name: 'env is a list', files: { 'sentinel.yaml': `${WEB}    env: [A=1]\n` } },
  { name: 'port out of range', files: { 'sentinel.yaml': `${WEB}    port: 70000\n` } },
  { name: 'unknown named port', files: { 'sentinel.yaml': `ports:\n  http: 8080\n${WEB}    port: htp\n` } },
  { name: 'same fixed port twice', files: { 'sentinel.yaml': `${WEB}    port: 3000\n  api:\n    command: node api.js\n    port: 3000\n` } },
  { name: 'bad signal', files: { 'sentinel.yaml': `${WEB}    stop_signal: SIGFOO\n` } },
  { name: 'nice out of range', files: { 'sentinel.yaml': `${WEB}    nice: 40\n` } },
  { name: 'health with two checks', files: { 'sentinel.yaml': `${WEB}    health:\n      http: http://127.0.0.1/\n      tcp: 3000\n` } },
  { name: 'dependency condition misspelled', files: { 'sentinel.yaml': `${WEB}    depends_on:\n      db:\n        condition: healty\n  db:\n    command: postgres\n` } },
  { name: 'invalid process name', files: { 'sentinel.yaml': 'processes:\n  "my web":\n    command: x\n' } },
  { name: 'missing variable with message', files: { 'sentinel.yaml': `${WEB}    env:\n      DATABASE_URL: \${DATABASE_URL:?set DATABASE_URL to the Postgres URL}\n` } },
  { name: 'empty required variable', files: { 'sentinel.yaml': `${WEB}    cwd: \${APP_DIR:?}\n` }, options: { env: { APP_DIR: '' } } },
  { name: 'unterminated interpolation', files: { 'sentinel.yaml': `${WEB}    env:\n      A: \${HOME\n` } },
  { name: 'invalid interpolation', files: { 'sentinel.yaml': `${WEB}    env:\n      A: \${1abc}\n` } },
  { name: 'missing secret', files: { 'sentinel.yaml': `${WEB}    env:\n      DB_PASSWORD: \${secret:DB_PASSWORD}\n` }, options: { resolveSecret: () => undefined } },
  { name: 'secret outside env', files: { 'sentinel.yaml': 'processes:\n  web:\n    command: psql ${secret:DB_PASSWORD}\n' }, options: { resolveSecret: () => 'x' } },
  { name: 'include not found', files: { 'sentinel.yaml': `include:\n  - db.yaml\n${WEB}` } },
  { name: 'include cycle', files: { 'sentinel.yaml': `include: [a.yaml]\n${WEB}`, 'a.yaml': 'include: [b.yaml]\n', 'b.yaml': 'include: [a.yaml]\n' } },
  { name: 'duplicate process across includes', files: { 'sentinel.yaml': `include: [more/db.yaml]\n${WEB}`, 'more/db.yaml': 'processes:\n  web:\n    command: other\n' } },
  { name: 'syntax error in included file', files: { 'sentinel.yaml': `include: [db.yaml]\n${WEB}`, 'db.yaml': 'processes:\n  db: {command: x\n' } },
  { name: 'dependency cycle', files: { 'sentinel.yaml': 'processes:\n  a:\n    command: x\n    depends_on: [b]\n  b:\n    command: y\n    depends_on: [c]\n  c:\n    command: z\n    depends_on: [a]\n' } },
  { name: 'group dependency cycle', files: { 'sentinel.yaml': 'groups:\n  backend:\n    depends_on: [frontend]\n  frontend:\n    depends_on: [backend]\nprocesses:\n  api:\n    command: x\n    group: backend\n  ui:\n    command: y\n    group: frontend\n' } },
  { name: 'unknown dependency', files: { 'sentinel.yaml': `${WEB}    depends_on: [dbb]\n  db:\n    command: postgres\n` } },
  { name: 'group named like a process', files: { 'sentinel.yaml': `groups:\n  web: {}\n${WEB}` } },
  { name: 'group lists unknown process', files: { 'sentinel.yaml': `groups:\n  backend:\n    processes: [wbe]\n${WEB}` } },
  { name: 'extends unknown template', files: { 'sentinel.yaml': `templates:\n  base:\n    restart: always\n${WEB}    extends: bse\n` } },
  { name: 'extends cycle', files: { 'sentinel.yaml': 'templates:\n  a:\n    extends: b\n  b:\n    extends: a\nprocesses:\n  web:\n    extends: a\n    command: x\n' } },
  { name: 'unknown environment', files: { 'sentinel.yaml': `${WEB}environments:\n  production: {}\n` }, options: { environment: 'prod' } },
  { name: 'overlay brings a bad value', files: { 'sentinel.yaml': `${WEB}environments:\n  production:\n    processes:\n      web:\n        stop_timeout: soon\n` }, options: { environment: 'production' } },
  { name: 'schedule with two triggers', files: { 'sentinel.yaml': 'schedules:\n  backup:\n    cron: "0 3 * * *"\n    every: 1h\n    command: ./backup.sh\n' } },
  { name: 'schedule of unknown process', files: { 'sentinel.yaml': `${WEB}schedules:\n  nightly:\n    cron: "0 3 * * *"\n    process: wbe\n` } },
  { name: 'several errors at once', files: { 'sentinel.yaml': `${WEB}    stop_timeout: later\n    restart: sometimes\n    colour: blue\n` } },
  { name: 'TOML wrong type with position', files: { 'sentinel.toml': '[processes.web]\ncommand = "x"\nstop_timeout = "soon"\n' }, main: 'sentinel.toml' },
  { name: 'JSON unknown key with position', files: { 'sentinel.json': '{\n  "processes": {\n    "web": {\n      "command": "x",\n      "restat": "always"\n    }\n  }\n}\n' }, main: 'sentinel.json' },
];
