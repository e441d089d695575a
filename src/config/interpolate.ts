// Step 3: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`,
// `${VAR:+alt}`, `${VAR+alt}` and the `$$` escape, as docker compose does. Unbraced `$VAR` is left
// alone on purpose, so a shell command can still expand `$PORT` when the process starts.
// `${secret:NAME}` stays in place as a marker; it is resolved only when the environment is built.
import { SentinelError } from '../core/errors.js';

export type SecretLookup = (name: string) => string | undefined;

export interface InterpolateResult {
  value: string;
  errors: string[];
  warnings: string[];
  secrets: string[];
}

const VAR = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/;
const SECRET = /^secret:([A-Za-z_][A-Za-z0-9_.-]*)$/;
const SERVICE = /^service:(.*)$/;
const SERVICE_REF = /^([A-Za-z0-9_][A-Za-z0-9_.-]*)\.(port|host|address)$/;

function findClose(text: string, from: number): number {
  let depth = 1;
  for (let i = from; i < text.length; i++) {
    if (text[i] === '$' && text[i + 1] === '{') {
      depth++;
      i++;
    } else if (text[i] === '}' && --depth === 0) {
      return i;
    }
  }
  return -1;
}

function expandOne(body: string, env: Record<string, string | undefined>, out: InterpolateResult): string {
  const secret = body.match(SECRET);
  if (secret) {
    out.secrets.push(secret[1]);
    return `\${secret:${secret[1]}}`;
  }
  // ${service:NAME.port} stays in place: the port is the one NAME holds when this process starts (src/daemon/discovery.ts)
  const service = body.match(SERVICE);
  if (service) {
    if (!SERVICE_REF.test(service[1])) {
      out.errors.push(`invalid service reference "\${${body}}": expected \${service:NAME.port}, \${service:NAME.host} or \${service:NAME.address} (host:port), NAME being a process of this file`);
      return '';
    }
    return `\${${body}}`;
  }
  const parts = body.match(VAR);
  if (!parts) {
    out.errors.push(`invalid interpolation "\${${body}}": expected \${NAME}, \${NAME:-default}, \${NAME:?message} or \${secret:NAME}`);
    return '';
  }
  const [, name, op, arg = ''] = parts;
  const value = env[name];
  const unset = value === undefined;
  const empty = unset || value === '';
  const missing = op?.startsWith(':') ? empty : unset;
  switch (op) {
    case ':-':
    case '-':
      return missing ? expand(arg, env, out) : (value as string);
    case ':+':
    case '+':
      return missing ? '' : expand(arg, env, out);
    case ':?':
    case '?': {
      if (!missing) return value as string;
      const why = unset ? 'is not set' : 'is empty';
      const detail = expand(arg, env, out);
      out.errors.push(`required variable "${name}" ${why}${detail ? `: ${detail}` : ''}`);
      return '';
    }
    default:
      if (unset) out.warnings.push(`variable "${name}" is not set; using an empty string`);
      return value ?? '';
  }
}

function expand(text: string, env: Record<string, string | undefined>, out: InterpolateResult): string {
  let result = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch !== '$') {
      result += ch;
    } else if (text[i + 1] === '$') {
      result += '$';
      i++;
    } else if (text[i + 1] === '{') {
      const close = findClose(text, i + 2);
      if (close < 0) {
        out.errors.push(`unterminated "\${" in ${JSON.stringify(text)}: add the closing "}" or write "$$" for a literal "$"`);
        return result;
      }
      result += expandOne(text.slice(i + 2, close), env, out);
      i = close;
    } else {
      result += ch;
    }
  }
  return result;
}

export function interpolateString(text: string, env: Record<string, string | undefined>): InterpolateResult {
  const out: InterpolateResult = { value: '', errors: [], warnings: [], secrets: [] };
  out.value = expand(text, env, out);
  return out;
}

/** `${secret:NAME}` markers replaced by their values (used when a process environment is built). */
export function resolveSecretMarkers(text: string, lookup: SecretLookup): string {
  return text.replace(/\$\{secret:([A-Za-z_][A-Za-z0-9_.-]*)\}/g, (_marker, name: string) => {
    const value = lookup(name);
    if (value === undefined) {
      throw new SentinelError('SECRET_NOT_FOUND', `secret "${name}" is not set; add it with: sentinel secret set ${name}`);
    }
    return value;
  });
}

export const SERVICE_MARKER = /\$\{service:([A-Za-z0-9_][A-Za-z0-9_.-]*)\.(port|host|address)\}/g;

export function hasServiceMarker(text: string): boolean {
  return text.includes('${service:');
}

export function hasSecretMarker(text: string): boolean {
  return /\$\{secret:[A-Za-z_][A-Za-z0-9_.-]*\}/.test(text);
}
