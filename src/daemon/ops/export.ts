// Export operations: processes rendered as another system's units, from their stored specs.
import { processUnit, unitName } from '../../export/systemd.js';
import { isSentinelVariable } from '../../contracts/primitives.js';
import type { Daemon, Handlers } from '../context.js';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

/** A bare command name looked up in the process's own PATH, as its start would. */
function which(command: string, env: Record<string, string>): string | null {
  // a config file's process without its own PATH gets the daemon's, as at its start
  for (const dir of (env.PATH ?? process.env.PATH ?? '').split(':').filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return null;
}

export function exportOps(d: Daemon): Handlers<'export.units'> {
  return {
    'export.units'(p) {
      const sup = d.supervisor;
      // one unit per definition (instance 0 carries the spec); a name given twice is exported once
      const recs = p.names?.length ? p.names.map((n) => sup.resolve(n)) : sup.list().filter((r) => r.instance === 0);
      const seen = new Set<string>();
      const files = [];
      for (const rec of recs) {
        if (seen.has(rec.name)) continue;
        seen.add(rec.name);
        files.push({ process: rec.name, file: unitName(rec.name), content: processUnit(rec.spec, { dropEnv: isSentinelVariable, which }) });
      }
      return { files };
    },
  };
}
