// Lifecycle states and the only transitions allowed between them. No dependencies.

export const STATES = ['stopped', 'starting', 'running', 'stopping', 'exited', 'backoff', 'failed'] as const;
export type ProcessState = (typeof STATES)[number];

/** States in which a child process exists (or is being created). */
export const LIVE_STATES: ReadonlySet<ProcessState> = new Set(['starting', 'running', 'stopping']);
/** States with no child process. */
export const DOWN_STATES: ReadonlySet<ProcessState> = new Set(['stopped', 'exited', 'backoff', 'failed']);

export const TRANSITIONS: Readonly<Record<ProcessState, readonly ProcessState[]>> = {
  // stopped → starting (start); stopped → backoff never: a stopped process waits for a user.
  stopped: ['starting'],
  // starting → running once it stayed up / passed readiness; → exited/backoff/failed if it died first.
  starting: ['running', 'stopping', 'exited', 'backoff', 'failed'],
  running: ['stopping', 'exited', 'backoff', 'failed'],
  stopping: ['stopped'],
  // exited/backoff → failed: the automatic restart could not spawn it ("cannot restart: ...").
  exited: ['starting', 'stopped', 'failed'],
  backoff: ['starting', 'stopped', 'failed'],
  failed: ['starting', 'stopped'],
};

export function isState(value: string): value is ProcessState {
  return (STATES as readonly string[]).includes(value);
}

export function canTransition(from: ProcessState, to: ProcessState): boolean {
  return TRANSITIONS[from].includes(to);
}
