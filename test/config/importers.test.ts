// Importers against realistic files of each format: what maps, and exactly what is reported as not mapped.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectFormat, formatImported, importFile, importPm2 } from '../../src/config/importers/index.js';
import { loadConfig } from '../../src/config/load.js';
import { SentinelConfigSchema } from '../../src/config/schema.js';
import { loadProject } from './helpers.js';

const DIR = fileURLToPath(new URL('./fixtures/import/', import.meta.url));

const EXPECTED: Record<string, { format: string; config: unknown; warnings: string[] }> = {
  "Procfile": {
    "format": "procfile",
    "config": {
      "processes": {
        "web": {
          "command": "bundle exec puma -C config/puma.rb -p $PORT",
          "restart": "on-failure",
          "port": "auto"
        },
        "worker": {
          "command": "bundle exec sidekiq -q default -q mailers",
          "restart": "on-failure",
          "port": "auto"
        },
        "release": {
          "command": "bundle exec rails db:migrate",
          "restart": "never",
          "port": "auto",
          "autostart": false
        }
      }
    },
    "warnings": [
      "Procfile:4: \"release\" runs once per deploy on Heroku; imported with autostart: false and restart: never",
      "Procfile:5: not a \"name: command\" line, skipped: this line is not a process"
    ]
  },
  "ecosystem.config.js": {
    "format": "pm2",
    "config": {
      "processes": {
        "api": {
          "argv": [
            "node",
            "--max-old-space-size=512",
            "./dist/server.js",
            "--port",
            "3000"
          ],
          "cwd": "./services/api",
          "env": {
            "NODE_ENV": "development",
            "PORT": "3000"
          },
          "restart": {
            "policy": "always",
            "max_restarts": 10,
            "min_uptime": "5s",
            "backoff": "exponential",
            "delay": "100ms",
            "backoff_max": "15s"
          },
          "max_memory": "300M",
          "stop_signal": "SIGINT",
          "stop_timeout": "3000ms",
          "instances": 4,
          "watch": {
            "paths": [
              "src"
            ],
            "ignore": [
              "node_modules",
              "*.log"
            ],
            "delay": "1000ms"
          }
        },
        "reports": {
          "argv": [
            "python3",
            "reports.py"
          ],
          "restart": "never",
          "restart_cron": "0 2 * * *",
          "stop_signal": "SIGINT",
          "stop_timeout": "1600ms"
        }
      },
      "environments": {
        "production": {
          "processes": {
            "api": {
              "env": {
                "NODE_ENV": "production"
              }
            }
          }
        }
      }
    },
    "warnings": [
      "api: exec_mode cluster (Node cluster module sharing one port) has no equivalent; runs as a plain process",
      "api: ignore_watch \"[\\\\/\\\\\\\\]\\\\./\" is a regular expression, not a glob; not mapped: write it as a glob in watch.ignore (e.g. \".*\" for dot files)",
      "api: watch_options.followSymlinks is not mapped: symlinked directories are not followed; watch their targets as paths instead",
      "api: out_file is not mapped; Sentinel keeps logs itself (sentinel logs api)",
      "reports: not mapped: source_map_support",
      "deploy: PM2 deployment targets are not mapped"
    ]
  },
  "docker-compose.yml": {
    "format": "compose",
    "config": {
      "processes": {
        "db": {
          "image": "postgres:16",
          "env": {
            "POSTGRES_PASSWORD": "example"
          },
          "health": {
            "exec": "pg_isready -U postgres",
            "interval": "10s",
            "timeout": "5s",
            "failure_threshold": 5
          }
        },
        "api": {
          "argv": [
            "node",
            "server.js"
          ],
          "cwd": "/srv/api",
          "env": {
            "NODE_ENV": "production",
            "DATABASE_URL": "${DATABASE_URL}"
          },
          "env_file": ".env.api",
          "depends_on": {
            "db": {
              "condition": "healthy"
            },
            "migrate": {
              "condition": "completed_successfully"
            }
          },
          "health": {
            "exec": "curl -f http://localhost:3000/health",
            "interval": "30s",
            "initial_delay": "1m30s"
          },
          "restart": {
            "policy": "on-failure",
            "max_restarts": 3
          },
          "stop_timeout": "20s"
        },
        "migrate": {
          "argv": [
            "npm",
            "run",
            "migrate"
          ],
          "restart": "never"
        },
        "web": {
          "command": "npm start",
          "depends_on": {
            "api": {
              "condition": "started"
            }
          },
          "restart": "always",
          "stop_signal": "SIGINT"
        }
      }
    },
    "warnings": [
      "api: not mapped: build, ports",
      "migrate: runs in image \"node:20\" under compose; imported to run its command directly on this machine",
      "top-level \"volumes\" is not mapped (container resources)"
    ]
  },
  "process-compose.yaml": {
    "format": "process-compose",
    "config": {
      "processes": {
        "postgres": {
          "command": "postgres -D ./data",
          "env": {
            "LOG_FORMAT": "json"
          },
          "startup": {
            "wait_exec": "pg_isready -h 127.0.0.1",
            "timeout": "32s"
          },
          "stop_signal": "SIGINT",
          "stop_timeout": "30s"
        },
        "api": {
          "command": "./bin/api --listen 127.0.0.1:8080",
          "cwd": "./api",
          "env": {
            "LOG_FORMAT": "json",
            "DB_HOST": "127.0.0.1"
          },
          "depends_on": {
            "postgres": {
              "condition": "ready"
            },
            "seed": {
              "condition": "completed_successfully"
            }
          },
          "health": {
            "http": "http://127.0.0.1:8080/healthz",
            "action": "restart",
            "interval": "10s",
            "timeout": "2s",
            "failure_threshold": 3
          },
          "restart": {
            "policy": "on-failure",
            "delay": "2s",
            "max_restarts": 5
          },
          "group": "backend"
        },
        "seed": {
          "command": "./bin/seed",
          "env": {
            "LOG_FORMAT": "json"
          },
          "restart": "never"
        },
        "docs": {
          "command": "mkdocs serve",
          "env": {
            "LOG_FORMAT": "json"
          },
          "startup": {
            "wait_log": "Serving on",
            "timeout": "30s"
          },
          "autostart": false
        }
      }
    },
    "warnings": []
  },
  "supervisord.conf": {
    "format": "supervisord",
    "config": {
      "processes": {
        "web": {
          "command": "/usr/bin/gunicorn app:app --bind 127.0.0.1:${PORT} --name 'web web'",
          "cwd": "/srv/app",
          "env": {
            "DJANGO_SETTINGS": "app.settings.prod",
            "WORKERS": "4"
          },
          "restart": {
            "policy": "on-failure",
            "no_restart_exit_codes": [
              0,
              2
            ],
            "min_uptime": "5s",
            "max_restarts": 3
          },
          "stop_signal": "SIGQUIT",
          "stop_timeout": "15s",
          "user": "www-data"
        },
        "celery": {
          "argv": [
            "celery",
            "-A",
            "app",
            "worker",
            "--loglevel=info"
          ],
          "instances": 2,
          "restart": {
            "policy": "always",
            "min_uptime": "1s",
            "max_restarts": 3
          }
        },
        "flower": {
          "argv": [
            "celery",
            "-A",
            "app",
            "flower"
          ],
          "restart": {
            "policy": "never",
            "min_uptime": "1s"
          },
          "autostart": false
        }
      },
      "groups": {
        "workers": {
          "processes": [
            "celery",
            "flower"
          ]
        }
      }
    },
    "warnings": [
      "program:web: priority is not mapped; use depends_on to order start-up",
      "program:web: stdout_logfile, redirect_stderr not mapped; Sentinel keeps logs itself (log.max_size, log.keep)",
      "[group:workers] priority is not mapped; use depends_on between groups",
      "[include] files=conf.d/*.conf not followed; import those files too"
    ]
  }
};

describe('importers', () => {
  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`imports ${file} (${expected.format})`, () => {
      const result = importFile(DIR + file);
      expect(result.format).toBe(expected.format);
      expect(result.config).toEqual(expected.config);
      expect(result.warnings).toEqual(expected.warnings);
      expect(SentinelConfigSchema.safeParse(result.config).success).toBe(true);
      // `sentinel up -f <file>` goes through the same pipeline without errors
      expect(loadConfig(DIR + file, { env: { PORT: '8000', DATABASE_URL: 'postgres://db' } }).messages).toEqual([]);
    });
  }

  it('writes a sentinel.yaml that loads back to the same config', () => {
    const result = importFile(`${DIR}docker-compose.yml`);
    const text = formatImported(result, 'docker-compose.yml');
    expect(text.split('\n').slice(0, 3)).toEqual([
      '# Imported from docker-compose.yml by sentinel import.',
      '# Not mapped or changed:',
      '#   - api: not mapped: build, ports',
    ]);
    const loaded = loadProject({ 'sentinel.yaml': text }, { env: { DATABASE_URL: '${DATABASE_URL}' } });
    expect(loaded.messages).toEqual([]);
    expect(loaded.config).toEqual(result.config);
  });

  it('reads PM2 ecosystem JSON and YAML, and ES-module ecosystem files', () => {
    const apps = { apps: [{ name: 'app', script: 'app.js', env_staging: { A: '1' } }] };
    const fromJson = importPm2(JSON.stringify(apps), 'ecosystem.json');
    const fromYaml = importPm2('apps:\n  - name: app\n    script: app.js\n    env_staging: {A: "1"}\n', 'ecosystem.yaml');
    const fromEsm = importPm2(`export default ${JSON.stringify(apps)};\n`, 'ecosystem.config.mjs');
    const expected = { processes: { app: { argv: ['node', 'app.js'], restart: { policy: 'always', max_restarts: 16 }, stop_signal: 'SIGINT', stop_timeout: '1600ms' } }, environments: { staging: { processes: { app: { env: { A: '1' } } } } } };
    expect(fromJson.config).toEqual(expected);
    expect(fromYaml.config).toEqual(expected);
    expect(fromEsm.config).toEqual(expected);
  });

  it('reports a PM2 file that throws, with the error from the child process', () => {
    expect(() => importPm2("throw new Error('boom from config');\n", 'ecosystem.config.js')).toThrow(
      /^ecosystem\.config\.js: evaluating the PM2 ecosystem file failed: .*boom from config/,
    );
  });

  it('detects formats by name, then by content', () => {
    const text = (f: string) => readFileSync(DIR + f, 'utf8');
    expect(detectFormat('Procfile.dev', '')).toBe('procfile');
    expect(detectFormat('ecosystem.config.cjs', '')).toBe('pm2');
    expect(detectFormat('compose.yaml', '')).toBe('compose');
    expect(detectFormat('process-compose.override.yml', '')).toBe('process-compose');
    expect(detectFormat('app.conf', text('supervisord.conf'))).toBe('supervisord');
    expect(detectFormat('stack.yml', text('docker-compose.yml'))).toBe('compose');
    expect(detectFormat('pc.yaml', text('process-compose.yaml'))).toBe('process-compose');
    expect(detectFormat('sentinel.yaml', 'processes:\n  web:\n    command: x\n')).toBe('sentinel');
  });

  it('decides YAML and JSON files by their keys, not their names', () => {
    // what `import docker-compose.yml -o compose-sentinel.yaml` writes is a sentinel.yaml
    const ours = 'processes:\n  api:\n    command: node api.js\n    env:\n      PORT: "3000"\n    restart:\n      policy: always\n';
    expect(detectFormat('compose-sentinel.yaml', ours)).toBe('sentinel');
    expect(detectFormat('process-compose.yaml', ours)).toBe('sentinel');
    expect(detectFormat('compose.yml', 'schedules:\n  nightly:\n    cron: "0 3 * * *"\n    command: x\n')).toBe('sentinel');
    // process-compose also has processes: the keys inside tell
    const theirs = 'processes:\n  api:\n    command: node api.js\n    working_dir: ./api\n    availability:\n      restart: always\n';
    expect(detectFormat('sentinel.yaml', theirs)).toBe('process-compose');
    expect(detectFormat('stack.yaml', 'version: "0.5"\nprocesses:\n  a:\n    command: x\n')).toBe('process-compose');
    expect(detectFormat('stack.yaml', 'version: 1\nprocesses:\n  a:\n    command: x\n')).toBe('sentinel');
    expect(detectFormat('sentinel.yaml', 'services:\n  db:\n    image: postgres\n')).toBe('compose');
    expect(detectFormat('sentinel.json', '{"apps": [{"name": "a", "script": "a.js"}]}')).toBe('pm2');
    // content that does not tell leaves it to the name
    expect(detectFormat('process-compose.yml', 'processes:\n  a:\n    command: x\n')).toBe('process-compose');
    expect(detectFormat('stack.yml', 'processes:\n  a:\n    command: x\n')).toBe('sentinel');
  });
});
