// Versioned schema migrations, applied in order inside one transaction each (PRAGMA user_version).

export const MIGRATIONS: string[] = [
  // 1: processes, their event log, groups and ports
  `
  CREATE TABLE processes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    spec TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'stopped',
    pid INTEGER,
    pid_start_time INTEGER,
    started_at INTEGER,
    restarts INTEGER NOT NULL DEFAULT 0,
    restart_history TEXT NOT NULL DEFAULT '{"restartTimes":[],"consecutive":0}',
    last_exit TEXT,
    next_restart_at INTEGER,
    reason TEXT,
    health TEXT,
    want_running INTEGER NOT NULL DEFAULT 0,
    start_seq INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    time INTEGER NOT NULL,
    process_id INTEGER,
    process_name TEXT,
    kind TEXT NOT NULL DEFAULT 'state',
    old_state TEXT,
    new_state TEXT,
    pid INTEGER,
    exit_code INTEGER,
    signal TEXT,
    reason TEXT,
    actor TEXT
  );
  CREATE INDEX events_by_process ON events(process_name, id);
  CREATE TABLE groups (
    name TEXT PRIMARY KEY,
    env TEXT NOT NULL DEFAULT '{}',
    created_at INTEGER NOT NULL
  );
  CREATE TABLE ports (
    port INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    allocated_at INTEGER NOT NULL
  );
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 2: encrypted secrets, and what each config file created (groups, ports) so `down` can release it
  `
  CREATE TABLE secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE config_owned (
    file TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (file, kind, name)
  );
  `,
  // 3: the scheduler's schedules and runs. Releases up to 88cf2eb had the scheduler create these itself
  // (with these same definitions) on a database already at version 2, hence IF NOT EXISTS: such a file
  // keeps its rows and only gets its version raised.
  `
  CREATE TABLE IF NOT EXISTS schedules (
    name TEXT PRIMARY KEY,
    spec TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_due_at INTEGER,
    next_due_at INTEGER,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS schedule_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule TEXT NOT NULL,
    due_at INTEGER,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    duration_ms INTEGER,
    exit_code INTEGER,
    signal TEXT,
    trigger TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    status TEXT NOT NULL,
    reason TEXT,
    stdout_path TEXT,
    stderr_path TEXT
  );
  CREATE INDEX IF NOT EXISTS schedule_runs_by_schedule ON schedule_runs (schedule, id);
  CREATE INDEX IF NOT EXISTS schedule_runs_by_status ON schedule_runs (status);
  `,
  // 4: instances. A process row is one instance of a definition: (name, instance) is unique, not name. The
  // table is rebuilt (SQLite cannot drop a UNIQUE constraint); every existing row becomes instance 0 with
  // its id, so events, logs and the id a user knows stay the same.
  `
  CREATE TABLE processes_v4 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    instance INTEGER NOT NULL DEFAULT 0,
    spec TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'stopped',
    pid INTEGER,
    pid_start_time INTEGER,
    started_at INTEGER,
    restarts INTEGER NOT NULL DEFAULT 0,
    restart_history TEXT NOT NULL DEFAULT '{"restartTimes":[],"consecutive":0}',
    last_exit TEXT,
    next_restart_at INTEGER,
    reason TEXT,
    health TEXT,
    want_running INTEGER NOT NULL DEFAULT 0,
    start_seq INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (name, instance)
  );
  INSERT INTO processes_v4 (id, name, instance, spec, state, pid, pid_start_time, started_at, restarts, restart_history,
    last_exit, next_restart_at, reason, health, want_running, start_seq, created_at)
  SELECT id, name, 0, spec, state, pid, pid_start_time, started_at, restarts, restart_history,
    last_exit, next_restart_at, reason, health, want_running, start_seq, created_at FROM processes;
  DROP TABLE processes;
  ALTER TABLE processes_v4 RENAME TO processes;
  `,
  // 5: API tokens for the TCP listener. Only a SHA-256 hash of each token is kept (tokens are 32 random
  // bytes: a fast hash is enough); revoking deletes the row.
  `
  CREATE TABLE tokens (
    name TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    processes TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    last_used_at INTEGER,
    created_by TEXT
  );
  `,
  // 6: the run marker a process was started with (its children carry it in their environment), so a
  // restarted daemon can still find what escaped the tree of a process that died while it was down
  `
  ALTER TABLE processes ADD COLUMN run_marker TEXT;
  `,
  // 7: deploys. A revision is a definition's spec as deployed (plus an optional hash of an artifact
  // directory), numbered per definition; a deploy moves a definition from one revision to another through
  // a planned list of steps, and records the step it is at before acting on it, so a daemon killed in the
  // middle knows what it was doing.
  `
  CREATE TABLE revisions (
    name TEXT NOT NULL,
    revision INTEGER NOT NULL,
    spec TEXT NOT NULL,
    artifact_hash TEXT,
    traffic TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT,
    PRIMARY KEY (name, revision)
  );
  CREATE TABLE deploys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    from_revision INTEGER,
    to_revision INTEGER NOT NULL,
    strategy TEXT NOT NULL,
    options TEXT NOT NULL,
    plan TEXT NOT NULL,
    step INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    reason TEXT,
    report TEXT NOT NULL DEFAULT '{}',
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    actor TEXT
  );
  CREATE INDEX deploys_by_name ON deploys (name, id);
  CREATE INDEX deploys_by_state ON deploys (state);
  `,
];
