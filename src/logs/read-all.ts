// `sentinel logs` with no name: the last lines of every process, each line with its process's name,
// merged in the order they were written as far as the log indexes tell (see log-index.ts).
import { tailLines, type LogLine, type TailOptions } from './read.js';

export interface LogSource {
  /** the key of its log files ("web", "web:1") */
  key: string;
  /** how its lines are labelled */
  name: string;
}

export interface NamedLogLine extends LogLine {
  name: string;
}

/**
 * The last `lines` lines across `sources`, oldest first. Lines are ordered by the time the rotator first
 * saw them; lines seen at the same time keep the sources' order (and stdout before stderr).
 */
export async function tailAll(logsDir: string, sources: LogSource[], options: TailOptions): Promise<NamedLogLine[]> {
  const perSource = await Promise.all(
    sources.map(async (s) => (await tailLines(logsDir, s.key, { ...options, timestamps: true })).map((l) => ({ ...l, name: s.name }))),
  );
  // each list is already in time order: a stable sort of them all merges them
  let all = perSource.flat().sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
  if (all.length > options.lines) all = all.slice(all.length - options.lines);
  return options.timestamps ? all : all.map(({ name, stream, line }) => ({ name, stream, line }));
}
