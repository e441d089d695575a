// A config problem found by any step of the pipeline, and how the whole list becomes one error.
import { SentinelError } from '../core/errors.js';
import { formatLoc, formatPath, type Loc, type Path } from './source-map.js';

export interface ConfigIssue {
  /** The key path ("processes.web.health.interval"); empty for file-level problems. */
  path: Path;
  /** What was expected and what was found. */
  message: string;
  loc?: Loc;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.loc ? ` (${formatLoc(issue.loc)})` : '';
  const prefix = issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
  return `${prefix}${issue.message}${where}`;
}

/** One INVALID_CONFIG error whose message lists every problem, one per line. */
export function toConfigError(file: string, issues: ConfigIssue[]): SentinelError {
  const count = issues.length === 1 ? '1 error' : `${issues.length} errors`;
  const lines = issues.map((i) => `  - ${formatIssue(i)}`);
  return new SentinelError('INVALID_CONFIG', `${file} has ${count}; nothing was changed:\n${lines.join('\n')}`, {
    errors: issues.map(formatIssue),
  });
}

/** Drops repeats (an overlay value checked both in place and where it lands). */
export function dedupeIssues(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = issue.loc ? `${formatLoc(issue.loc)}|${issue.message}` : formatIssue(issue);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
