// What a watch ignores under one root: the defaults (node_modules, .git, editors' swap files), the
// root's .gitignore, then the user's --watch-ignore; the last rule that matches wins ("!" re-includes).
// As in git, nothing under an ignored directory can be re-included: its directory is never watched.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { compileGlob, type GlobRule } from './glob.js';

export const DEFAULT_IGNORES = ['node_modules/', '.git/', '.hg/', '.svn/', '*.swp', '*.swx', '*~', '.#*'];

export interface IgnoreMatcher {
  /** `rel`: a path relative to the root, "/"-separated; `isDir`: when known. */
  ignores(rel: string, isDir?: boolean): boolean;
}

/** The .gitignore of a root as globs; a line that is not a valid glob is left out (git does the same). */
export function readGitignore(root: string): string[] {
  let text: string;
  try {
    text = readFileSync(path.join(root, '.gitignore'), 'utf8');
  } catch {
    return [];
  }
  return text.split(/\r?\n/).map((l) => l.replace(/(?<!\\)\s+$/, '')).filter((l) => l !== '' && !l.startsWith('#'));
}

/** A user's pattern that names a path under the root absolutely ("/srv/app/logs") is anchored at the root. */
function relativeToRoot(pattern: string, root: string): string {
  const neg = pattern.startsWith('!') ? '!' : '';
  const body = neg ? pattern.slice(1) : pattern;
  return body.startsWith(`${root}/`) ? `${neg}/${body.slice(root.length + 1)}` : pattern;
}

export function createIgnoreMatcher(root: string, userPatterns: string[], opts: { gitignore?: boolean } = {}): IgnoreMatcher {
  const rules: GlobRule[] = DEFAULT_IGNORES.map(compileGlob);
  if (opts.gitignore !== false) {
    for (const line of readGitignore(root)) {
      try {
        rules.push(compileGlob(line));
      } catch {
        // git skips what it cannot read; so do we
      }
    }
  }
  for (const p of userPatterns) rules.push(compileGlob(relativeToRoot(p, root)));

  function matchOne(rel: string, isDir: boolean | undefined): boolean {
    let ignored = false;
    for (const r of rules) {
      if (r.negate !== ignored) continue;
      if (r.dirOnly && isDir === false) continue;
      if (r.regex.test(rel)) ignored = !r.negate;
    }
    return ignored;
  }

  return {
    ignores(rel: string, isDir?: boolean): boolean {
      if (rel === '' || rel === '.') return false;
      const parts = rel.split('/');
      // a parent directory that is ignored hides everything below it
      for (let i = 1; i < parts.length; i++) if (matchOne(parts.slice(0, i).join('/'), true)) return true;
      return matchOne(rel, isDir);
    },
  };
}
