// `sentinel import -o DIR/sentinel.yaml`: relative paths in the imported file start from the
// imported file's directory; sentinel.yaml reads them from its own directory. Rewriting them (and
// giving each process that directory as cwd, where the other tool ran it) keeps them pointing at
// the same files and lets relative commands like ./bin/server run as before.
import { isAbsolute, relative, resolve } from 'node:path';

/** A path sentinel.yaml resolves itself: absolute, home-relative or read from a variable at load. */
function isFixed(path: string): boolean {
  return isAbsolute(path) || path.startsWith('~') || path.startsWith('$');
}

function moved(path: string, from: string, to: string): string {
  return isFixed(path) ? path : relative(to, resolve(from, path)) || '.';
}

/** The config with every process's cwd and env_file rewritten for a file written in `outputDir`. */
export function rebasePaths(config: Record<string, unknown>, sourceDir: string, outputDir: string): Record<string, unknown> {
  const from = resolve(sourceDir);
  const to = resolve(outputDir);
  if (from === to) return config;
  const processes = (config.processes ?? {}) as Record<string, Record<string, unknown>>;
  const rebased = Object.fromEntries(Object.entries(processes).map(([name, proc]) => {
    const next: Record<string, unknown> = { ...proc, cwd: moved(typeof proc.cwd === 'string' ? proc.cwd : '.', from, to) };
    if (typeof proc.env_file === 'string') next.env_file = moved(proc.env_file, from, to);
    else if (Array.isArray(proc.env_file)) next.env_file = proc.env_file.map((f) => moved(String(f), from, to));
    return [name, next];
  }));
  return { ...config, processes: rebased };
}
