// The one registry of error codes: each code has an HTTP status and a message that says
// what was wrong and how to fix it. The API maps codes to statuses; the CLI prints messages.

export interface ErrorDef {
  status: number;
}

export const ERRORS = {
  BAD_REQUEST: { status: 400 },
  INVALID_ARGUMENT: { status: 422 },
  INVALID_NAME: { status: 422 },
  INVALID_DURATION: { status: 422 },
  INVALID_CONFIG: { status: 422 },
  INVALID_CRON: { status: 422 },
  INVALID_TIMEZONE: { status: 422 },
  INVALID_SCHEDULE: { status: 422 },
  INVALID_PATTERN: { status: 422 },
  PATTERN_TOO_SLOW: { status: 422 },
  SCHEDULE_IN_PAST: { status: 422 },
  NOT_FOUND: { status: 404 },
  PROCESS_NOT_FOUND: { status: 404 },
  GROUP_NOT_FOUND: { status: 404 },
  PORT_NOT_FOUND: { status: 404 },
  SCHEDULE_NOT_FOUND: { status: 404 },
  SECRET_NOT_FOUND: { status: 404 },
  SECRET_DECRYPT_FAILED: { status: 422 },
  INVALID_SECRET_KEY: { status: 422 },
  IMPORT_FAILED: { status: 422 },
  CONFIG_NOT_FOUND: { status: 404 },
  FILE_EXISTS: { status: 409 },
  ROUTE_NOT_FOUND: { status: 404 },
  NAME_TAKEN: { status: 409 },
  PORT_IN_USE: { status: 409 },
  ALREADY_RUNNING: { status: 409 },
  NOT_RUNNING: { status: 409 },
  ILLEGAL_TRANSITION: { status: 409 },
  DEPENDENCY_CYCLE: { status: 422 },
  EXECUTABLE_NOT_FOUND: { status: 422 },
  USER_NOT_FOUND: { status: 422 },
  RUNTIME_NOT_FOUND: { status: 422 },
  BAD_HOME: { status: 422 },
  START_INTERRUPTED: { status: 409 },
  SYSTEM_GROUP_NOT_FOUND: { status: 422 },
  PERMISSION_DENIED: { status: 403 },
  UNAUTHORIZED: { status: 401 },
  FORBIDDEN: { status: 403 },
  TOO_MANY_REQUESTS: { status: 429 },
  TOKEN_NOT_FOUND: { status: 404 },
  CWD_NOT_FOUND: { status: 422 },
  ENV_FILE_NOT_FOUND: { status: 422 },
  WATCH_PATH_NOT_FOUND: { status: 422 },
  WATCH_LIMIT_REACHED: { status: 503 },
  CRASHED_IMMEDIATELY: { status: 422 },
  CGROUP_UNAVAILABLE: { status: 422 },
  STARTUP_TIMEOUT: { status: 504 },
  NOT_READY: { status: 422 },
  LOG_DIR_NOT_WRITABLE: { status: 500 },
  SPAWN_FAILED: { status: 500 },
  DAEMON_RUNNING: { status: 409 },
  DAEMON_UNAVAILABLE: { status: 503 },
  SSH_FAILED: { status: 502 },
  SSH_HOST_KEY: { status: 502 },
  CONTEXT_NOT_FOUND: { status: 404 },
  DAEMON_SHUTTING_DOWN: { status: 503 },
  TIMEOUT: { status: 504 },
  PAYLOAD_TOO_LARGE: { status: 413 },
  DISK_FULL: { status: 507 },
  STORE_UNAVAILABLE: { status: 503 },
  DEPLOY_IN_PROGRESS: { status: 409 },
  DEPLOY_NOT_FOUND: { status: 404 },
  REVISION_NOT_FOUND: { status: 404 },
  DEPLOY_FAILED: { status: 422 },
  /** A plugin (daemon.yaml plugins:) failed, hung, crashed or answered something that is not its protocol. */
  PLUGIN_FAILED: { status: 502 },
  INTERNAL: { status: 500 },
} as const satisfies Record<string, ErrorDef>;

export type ErrorCode = keyof typeof ERRORS;

export class SentinelError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'SentinelError';
    this.code = code;
    this.status = ERRORS[code]?.status ?? 500;
    this.details = details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export function isSentinelError(err: unknown): err is SentinelError {
  return err instanceof SentinelError;
}

/** What a client hears when the disk under SENTINEL_HOME has no space left. */
export function diskFullError(): SentinelError {
  return new SentinelError('DISK_FULL', 'the disk holding SENTINEL_HOME is full: free space on it, then try again (nothing was changed)');
}

/** Turns anything thrown into a SentinelError, so nothing shaped like a stack trace reaches a client. */
export function toSentinelError(err: unknown): SentinelError {
  if (err instanceof SentinelError) return err;
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') return diskFullError();
  if (/^SQLITE_(IOERR|READONLY|CANTOPEN)/.test(code)) {
    return new SentinelError('STORE_UNAVAILABLE', `the daemon cannot write its state under SENTINEL_HOME (${code}): check that the disk holding it is writable and not full, then try again`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new SentinelError('INTERNAL', `internal error: ${message}`);
}
