// Starter sentinel.yaml files for `sentinel init --template node|python|go|static`.
import { SentinelError } from '../core/errors.js';

export const INIT_TEMPLATES = ['node', 'python', 'go', 'static'] as const;
export type InitTemplate = (typeof INIT_TEMPLATES)[number];

const HEADER = `# Sentinel configuration. Check it with: sentinel config validate
# Variables: \${VAR}, \${VAR:-default}, \${VAR:?message}; secrets: \${secret:NAME} (sentinel secret set NAME).
`;

const TEMPLATES: Record<InitTemplate, string> = {
  node: `${HEADER}
templates:
  service:
    restart:
      policy: on-failure
      max_restarts: 5
      window: 1m
      backoff: exponential
    stop_timeout: 10s
    log:
      max_size: 10M
      keep: 5

processes:
  web:
    extends: service
    command: node server.js
    # env_file: .env   # also read the process's variables from a .env file (it must exist)
    env:
      NODE_ENV: \${NODE_ENV:-development}
      PORT: "3000"
    port: 3000
    startup:
      wait_port: 3000
      timeout: 30s
    health:
      http: http://127.0.0.1:3000/
      interval: 10s
      failure_threshold: 3
  worker:
    extends: service
    command: node worker.js
    depends_on:
      web:
        condition: ready

environments:
  production:
    processes:
      web:
        env:
          NODE_ENV: production
`,
  python: `${HEADER}
processes:
  app:
    command: python -m gunicorn app:app --bind 127.0.0.1:8000
    env:
      PYTHONUNBUFFERED: "1"
    port: 8000
    restart: on-failure
    startup:
      wait_http:
        url: http://127.0.0.1:8000/
        expect_status: 200
      timeout: 30s
  worker:
    command: python worker.py
    restart: always
    depends_on:
      app:
        condition: ready

schedules:
  cleanup:
    cron: "0 3 * * *"
    command: python manage.py cleanup
    overlap: skip
`,
  go: `${HEADER}
processes:
  server:
    argv: [./bin/server, -addr, "127.0.0.1:8080"]
    port: 8080
    restart:
      policy: always
      delay: 1s
      backoff: exponential
      backoff_max: 30s
    stop_signal: SIGINT
    health:
      tcp: 8080
      interval: 5s
    max_memory: 512M
`,
  static: `${HEADER}
processes:
  site:
    command: python3 -m http.server \${PORT:-8080} --bind 127.0.0.1
    cwd: ./public
    restart: always
    startup:
      wait_port: 8080
`,
};

export function initTemplate(name: string): string {
  if (!(INIT_TEMPLATES as readonly string[]).includes(name)) {
    throw new SentinelError('INVALID_ARGUMENT', `unknown template "${name}"; choose one of: ${INIT_TEMPLATES.join(', ')}`);
  }
  return TEMPLATES[name as InitTemplate];
}
