// The store owns the SQL: no source file outside src/store/ may prepare, execute or spell a statement,
// or open SQLite itself. Scans the src tree so a stray query cannot come back unnoticed.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src');

/** Case-sensitive on purpose: SQL keywords are written upper-case here, prose is not. */
const SQL_PATTERNS: Array<[string, RegExp]> = [
  ['prepare(', /\.prepare\s*\(/],
  ['pragma(', /\.pragma\s*\(/],
  ['transaction(', /\.transaction\s*\(/],
  // a string of SQL, not any exec (an SSH channel's exec runs a shell command)
  ['exec of a string', /\.exec\s*\(\s*['"`]\s*(?:CREATE|INSERT|UPDATE|DELETE|SELECT|PRAGMA|BEGIN|COMMIT|DROP|ALTER|VACUUM|WITH)\b/],
  ['better-sqlite3', /['"]better-sqlite3['"]/],
  ['CREATE', /\bCREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX|VIEW|TRIGGER)\b/],
  ['ALTER TABLE', /\bALTER\s+TABLE\b/],
  ['SELECT ... FROM', /\bSELECT\s[\s\S]{0,300}?\bFROM\s+[A-Za-z_(]/],
  ['INSERT INTO', /\bINSERT\s+(?:OR\s+[A-Z]+\s+)?INTO\b/],
  ['UPDATE ... SET', /\bUPDATE\s+[A-Za-z_]+\s+SET\b/],
  ['DELETE FROM', /\bDELETE\s+FROM\b/],
  ['sqlite_master', /\bsqlite_master\b/],
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.(?:ts|js|mjs|cjs)$/.test(e.name) ? [full] : [];
  });
}

function sqlIn(text: string): string[] {
  return SQL_PATTERNS.filter(([, re]) => re.test(text)).map(([name]) => name);
}

describe('SQL lives in src/store only', () => {
  it('finds the SQL it looks for (the scan is not vacuous)', () => {
    expect(sqlIn(readFileSync(path.join(SRC, 'store/processes.ts'), 'utf8'))).toEqual(
      expect.arrayContaining(['prepare(', 'transaction(', 'SELECT ... FROM', 'INSERT INTO', 'UPDATE ... SET', 'DELETE FROM']),
    );
    expect(sqlIn(readFileSync(path.join(SRC, 'store/migrations.ts'), 'utf8'))).toContain('CREATE');
    expect(sqlIn("db.exec('BEGIN')")).toEqual(['exec of a string']);
    expect(sqlIn('const m = /x(\\d+)/.exec(line);')).toEqual([]);
    expect(sqlIn("db.prepare(`SELECT value\n  FROM meta WHERE key = ?`)")).toEqual(['prepare(', 'SELECT ... FROM']);
  });

  it('no file outside src/store/ contains SQL or opens SQLite', () => {
    const storeDir = path.join(SRC, 'store') + path.sep;
    const files = sourceFiles(SRC).filter((f) => !f.startsWith(storeDir));
    expect(files.length).toBeGreaterThan(20);
    const offenders = files
      .map((f) => ({ file: path.relative(SRC, f), sql: sqlIn(readFileSync(f, 'utf8')) }))
      .filter((o) => o.sql.length > 0);
    expect(offenders).toEqual([]);
  });
});
