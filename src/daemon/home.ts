// Where a daemon keeps its state: everything lives under SENTINEL_HOME (default ~/.sentinel).
import os from 'node:os';
import path from 'node:path';

export interface HomePaths {
  home: string;
  socket: string;
  db: string;
  lock: string;
  pidFile: string;
  logsDir: string;
  daemonLog: string;
  globalEnv: string;
  secretKey: string;
}

export function homePaths(home = process.env.SENTINEL_HOME || path.join(os.homedir(), '.sentinel')): HomePaths {
  const abs = path.resolve(home);
  return {
    home: abs,
    socket: path.join(abs, 'sentinel.sock'),
    db: path.join(abs, 'state.db'),
    lock: path.join(abs, 'daemon.lock'),
    pidFile: path.join(abs, 'daemon.pid'),
    logsDir: path.join(abs, 'logs'),
    daemonLog: path.join(abs, 'daemon.log'),
    globalEnv: path.join(abs, '.env'),
    secretKey: path.join(abs, 'secret.key'),
  };
}
