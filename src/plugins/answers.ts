// What a plugin answered, checked before anyone uses it: a plugin is code we do not control, so an answer
// of the wrong shape is refused here (the host reports it as `garbage`) rather than half-used later.
// Each reader returns the answer typed, or one line saying what was wrong and what was expected.
import { statSync } from 'node:fs';
import path from 'node:path';
import type { CheckResult, DecideResult, RenderResult, WrapResult } from './types.js';

export type Read<T> = { ok: T } | { error: string };

const shown = (v: unknown) => (JSON.stringify(v) ?? String(v)).slice(0, 120);
const isMap = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readCheck(v: unknown): Read<CheckResult> {
  if (isMap(v) && typeof v.ok === 'boolean' && (v.detail === undefined || typeof v.detail === 'string')) return { ok: v as unknown as CheckResult };
  return { error: `answered check with ${shown(v)}; expected {"ok": true|false, "detail": "..."}` };
}

export function readDecide(v: unknown): Read<DecideResult> {
  const expected = 'expected {"instances": N, "reason": "..."} with N a whole number ≥ 0';
  if (!isMap(v)) return { error: `answered decide with ${shown(v)}; ${expected}` };
  const n = v.instances;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) return { error: `answered decide with instances ${shown(n)}; ${expected}` };
  if (v.reason !== undefined && typeof v.reason !== 'string') return { error: `answered decide with reason ${shown(v.reason)}; ${expected}` };
  return { ok: { instances: n, ...(typeof v.reason === 'string' && v.reason.trim() ? { reason: v.reason.trim().slice(0, 200) } : {}) } };
}

/** An environment variable's name the kernel can carry: not empty, no "=" and no NUL. */
const ENV_NAME = /^[^=\0]+$/;

export function readWrap(v: unknown): Read<WrapResult> {
  const expected = 'expected {"argv": ["program", "arg", ...], "env": {"NAME": "value"}, "cwd": "/existing/dir"} (env and cwd optional)';
  if (!isMap(v)) return { error: `answered wrap with ${shown(v)}; ${expected}` };
  const { argv, env, cwd } = v;
  if (!Array.isArray(argv) || argv.length === 0 || argv.some((a) => typeof a !== 'string' || a.includes('\0')) || argv[0] === '') {
    return { error: `answered wrap with argv ${shown(argv)}; argv must be a non-empty list of strings, ${expected}` };
  }
  if (env !== undefined) {
    if (!isMap(env)) return { error: `answered wrap with env ${shown(env)}; env must map names to strings, ${expected}` };
    for (const [k, val] of Object.entries(env)) {
      if (!ENV_NAME.test(k) || typeof val !== 'string' || val.includes('\0')) {
        return { error: `answered wrap with env ${shown(k)}: ${shown(val)}; env must map names (no "=") to strings, ${expected}` };
      }
    }
  }
  if (cwd !== undefined) {
    let isDir = false;
    try {
      isDir = typeof cwd === 'string' && path.isAbsolute(cwd) && statSync(cwd).isDirectory();
    } catch {
      /* said below */
    }
    if (!isDir) return { error: `answered wrap with cwd ${shown(cwd)}, which is not an existing directory (an absolute path); ${expected}` };
  }
  return {
    ok: {
      argv: argv as string[],
      ...(env !== undefined ? { env: env as Record<string, string> } : {}),
      ...(cwd !== undefined ? { cwd: cwd as string } : {}),
    },
  };
}

/** A file path an exporter may write: relative, normalized, and inside the output directory. */
export function exportPathProblem(p: unknown): string | null {
  if (typeof p !== 'string' || p.trim() === '') return `a file path must be a non-empty string, got ${shown(p)}`;
  if (p.includes('\0')) return `the file path ${shown(p)} holds a NUL byte`;
  if (path.isAbsolute(p)) return `the file path ${shown(p)} is absolute; paths are relative to the output directory (-o DIR)`;
  const norm = path.normalize(p);
  if (norm === '..' || norm.startsWith('../') || norm === '.' || norm.endsWith('/')) return `the file path ${shown(p)} leaves the output directory (-o DIR) or names no file`;
  return null;
}

export function readRender(v: unknown): Read<RenderResult> {
  const expected = 'expected {"files": [{"path": "relative/file", "content": "..."}], "warnings": ["..."]}';
  if (!isMap(v) || !Array.isArray(v.files)) return { error: `answered render with ${shown(v)}; ${expected}` };
  const files: RenderResult['files'] = [];
  const seen = new Set<string>();
  for (const f of v.files) {
    if (!isMap(f) || typeof f.content !== 'string') return { error: `answered render with a file ${shown(f)}; ${expected}` };
    const problem = exportPathProblem(f.path);
    if (problem) return { error: `answered render with a file it may not write: ${problem}` };
    const norm = path.normalize(f.path as string);
    if (seen.has(norm)) return { error: `answered render with the file ${shown(f.path)} twice` };
    seen.add(norm);
    files.push({ path: norm, content: f.content });
  }
  if (v.warnings !== undefined && (!Array.isArray(v.warnings) || v.warnings.some((w) => typeof w !== 'string'))) {
    return { error: `answered render with warnings ${shown(v.warnings)}; ${expected}` };
  }
  return { ok: { files, warnings: (v.warnings as string[] | undefined) ?? [] } };
}
