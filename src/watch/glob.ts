// Globs of --watch-ignore and .gitignore, as regular expressions over a path relative to a watched root
// ("src/app.js", always with "/"). gitignore's rules: a pattern without a "/" matches a name at any
// depth ("*.log", "node_modules"); one with a "/" is anchored at the root ("logs/**", "/build"); a
// trailing "/" matches directories only; "!" re-includes. Node 20 has no path.matchesGlob, hence this.
import { SentinelError } from '../core/errors.js';

export interface GlobRule {
  /** As written, for messages. */
  source: string;
  regex: RegExp;
  negate: boolean;
  dirOnly: boolean;
}

const HINT = 'write a glob like "*.log", "logs/**", "build/" or "!keep.log"';

function bad(pattern: string, what: string): never {
  throw new SentinelError('INVALID_PATTERN', `ignore pattern ${JSON.stringify(pattern)}: ${what}; ${HINT}`);
}

/** The regular expression text of a glob body (no "!", no trailing "/"). */
function translate(body: string, original: string): string {
  let out = '';
  let braces = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '*') {
      if (body[i + 1] === '*') {
        const atStart = i === 0 || body[i - 1] === '/';
        const atEnd = i + 2 === body.length || body[i + 2] === '/';
        if (!atStart || !atEnd) bad(original, '"**" must be a whole path segment, as in "**/x" or "x/**"');
        if (body[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 2;
        } else {
          out += '.*';
          i += 1;
        }
      } else out += '[^/]*';
    } else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = body.indexOf(']', i + 2);
      if (end < 0) bad(original, 'a "[" is not closed by "]"');
      let cls = body.slice(i + 1, end);
      if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      out += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) out += '|';
    else if (c === '\\' && i + 1 < body.length) {
      out += body[i + 1].replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      i++;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  if (braces > 0) bad(original, 'a "{" is not closed by "}"');
  return out;
}

/** One pattern as a rule; throws INVALID_PATTERN (what is wrong, how to write it) for a glob that cannot match. */
export function compileGlob(pattern: string): GlobRule {
  let body = pattern.trim();
  if (body === '' || body === '!') bad(pattern, 'it is empty');
  const negate = body.startsWith('!');
  if (negate) body = body.slice(1);
  const dirOnly = body.endsWith('/');
  if (dirOnly) body = body.replace(/\/+$/, '');
  if (body.startsWith('./')) body = `/${body.slice(2)}`;
  if (body === '' || body === '/') bad(pattern, 'it names no file');
  const anchored = body.includes('/');
  if (body.startsWith('/')) body = body.slice(1);
  const text = translate(body, pattern);
  const regex = new RegExp(`^${anchored || body.startsWith('**') ? '' : '(?:.*/)?'}${text}$`);
  return { source: pattern, regex, negate, dirOnly };
}
