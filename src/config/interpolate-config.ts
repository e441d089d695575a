// Step 3 over a whole config: every string value (never a key) is interpolated in place. The
// `environments` section is skipped: the chosen overlay is already merged, the others are unused.
import { formatIssue, type ConfigIssue } from './issues.js';
import { hasSecretMarker, hasServiceMarker, interpolateString, type SecretLookup } from './interpolate.js';
import { isPlainObject } from './merge.js';
import { locate, type Path, type SourceMap } from './source-map.js';

export interface InterpolateOptions {
  env: Record<string, string | undefined>;
  /** Checks that each `${secret:NAME}` exists; without it secrets are not checked. */
  resolveSecret?: SecretLookup;
}

export interface InterpolateOutcome {
  issues: ConfigIssue[];
  warnings: string[];
  secrets: string[];
}

/** Secrets go only where they end up in a process environment or a notification credential. */
function secretAllowed(path: Path): boolean {
  const [section, , field] = path;
  if (section === 'notifications') return true;
  return ['processes', 'groups', 'templates', 'schedules'].includes(String(section)) && field === 'env' && path.length === 4;
}

/** A value written as exactly one `${...}` that yields a number or boolean becomes one (port: ${PORT}). */
function coerce(original: string, result: string): unknown {
  if (!/^\$\{[^{}]*\}$/.test(original)) return result;
  if (/^-?\d+(\.\d+)?$/.test(result)) return Number(result);
  if (result === 'true' || result === 'false') return result === 'true';
  return result;
}

export function interpolateConfig(data: Record<string, unknown>, map: SourceMap, options: InterpolateOptions): InterpolateOutcome {
  const outcome: InterpolateOutcome = { issues: [], warnings: [], secrets: [] };
  const checked = new Set<string>();

  const visitString = (text: string, path: Path): unknown => {
    if (!text.includes('$')) return text;
    const loc = locate(map, path);
    const result = interpolateString(text, options.env);
    for (const message of result.errors) outcome.issues.push({ path, message, loc });
    for (const message of result.warnings) outcome.warnings.push(formatIssue({ path, message, loc }));
    if (result.secrets.length > 0 && !secretAllowed(path)) {
      const name = result.secrets[0];
      const message = `\${secret:${name}} can only be used in "env" values or notifications; set env: {${name}: "\${secret:${name}}"} and refer to $${name} in the command`;
      outcome.issues.push({ path, message, loc });
    }
    for (const name of result.secrets) {
      if (!outcome.secrets.includes(name)) outcome.secrets.push(name);
      if (!options.resolveSecret || checked.has(name)) continue;
      checked.add(name);
      let value: string | undefined;
      try {
        value = options.resolveSecret(name);
      } catch {
        value = undefined;
      }
      if (value === undefined) {
        outcome.issues.push({ path, message: `secret "${name}" is not set; add it with: sentinel secret set ${name}`, loc });
      }
    }
    return hasSecretMarker(result.value) || hasServiceMarker(result.value) ? result.value : coerce(text, result.value);
  };

  const visit = (value: unknown, path: Path): unknown => {
    if (typeof value === 'string') return visitString(value, path);
    if (Array.isArray(value)) return value.map((item, i) => visit(item, [...path, i]));
    if (isPlainObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (path.length === 0 && key === 'environments') continue;
        value[key] = visit(child, [...path, key]);
      }
    }
    return value;
  };
  visit(data, []);
  return outcome;
}
