// Every importer against real files from public repositories (test/fixtures/import-corpus, sources
// in its index.json): each imports, or fails with a clear IMPORT_FAILED when the file cannot be used;
// each result validates and loads as sentinel.yaml; a hand-checked subset matches exactly; and the
// hand review's count of faithful conversions stays at 90% or more.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SentinelError } from '../../src/core/errors.js';
import { formatImported, importFile, IMPORT_FORMATS, type ForeignFormat } from '../../src/config/importers/index.js';
import { SentinelConfigSchema } from '../../src/config/schema.js';
import { loadProject } from './helpers.js';

const ROOT = fileURLToPath(new URL('../fixtures/import-corpus/', import.meta.url));
const INDEX = JSON.parse(readFileSync(`${ROOT}index.json`, 'utf8')) as { file: string; repo: string; path: string; commit: string }[];

/** Files that cannot be used as they are: the import must say why. */
const UNUSABLE: Record<string, string> = {
  'pm2/pm2-demo.ecosystem.json': 'pm2-demo.ecosystem.json: holds only PM2 deployment targets ("deploy"), no "apps" to run',
  // a missing comma after cwd: "app": PM2 cannot load it either
  'pm2/fluentd-app.ecosystem.config.js': "fluentd-app.ecosystem.config.js: evaluating the PM2 ecosystem file failed: SyntaxError: Unexpected identifier 'script'",
};

/**
 * The hand review: faithful means every field written is right and nothing meaningful is dropped
 * without a warning. These are the files whose conversion is not, and why.
 */
const NOT_FAITHFUL: Record<string, string> = {
  'process-compose/bemi-django-example.process-compose.yaml': 'is_daemon: `pg_ctl start` returns at once, so Sentinel sees the process end and restarts it (explained in a warning, not converted)',
  'pm2/cloudbase-message-center.ecosystem.config.js': 'env comes from a .env read by dotenv when PM2 loads the file, and instances from os.cpus(): computed at import (a general warning), not where PM2 runs',
  'compose/fastapi_template.docker-compose.dev.yml': 'an override file: the commands rely on paths inside the service containers (/app, volumes) defined in another file (warned)',
};

/** Conversions checked by hand, line by line (faithful or not); their exact output is in expected/<file>.json. */
const HAND_CHECKED = INDEX.map((e) => e.file).filter((f) => existsSync(`${ROOT}expected/${f}.json`));

const formatOf = (file: string) => file.split('/')[0] as ForeignFormat;

describe('import corpus', () => {
  it('holds at least 40 real files, each with its repository, path and commit recorded', () => {
    expect(INDEX.length).toBeGreaterThanOrEqual(40);
    for (const entry of INDEX) {
      expect(entry.repo).toMatch(/^[\w.-]+\/[\w.-]+$/);
      expect(entry.path.length).toBeGreaterThan(0);
      expect(entry.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(IMPORT_FORMATS).toContain(formatOf(entry.file));
    }
    const onDisk = IMPORT_FORMATS.flatMap((f) => (existsSync(ROOT + f) ? readdirSync(ROOT + f).map((n) => `${f}/${n}`) : []));
    expect(onDisk.sort()).toEqual(INDEX.map((e) => e.file).sort());
    expect(new Set(IMPORT_FORMATS.filter((f) => onDisk.some((n) => n.startsWith(`${f}/`)))).size).toBe(IMPORT_FORMATS.length);
  });

  for (const { file } of INDEX) {
    it(`imports ${file}`, () => {
      if (UNUSABLE[file] !== undefined) {
        let caught: unknown;
        try {
          importFile(ROOT + file, formatOf(file));
        } catch (err) {
          caught = err;
        }
        expect(caught).toBeInstanceOf(SentinelError);
        expect((caught as SentinelError).code).toBe('IMPORT_FAILED');
        expect((caught as SentinelError).message).toBe(UNUSABLE[file]);
        return;
      }
      const result = importFile(ROOT + file, formatOf(file));
      const parsed = SentinelConfigSchema.safeParse(result.config);
      expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
      // the sentinel.yaml `sentinel import` writes loads without errors (dependencies, groups, names)
      expect(loadProject({ 'sentinel.yaml': formatImported(result, file) }).messages).toEqual([]);
    });
  }

  for (const file of HAND_CHECKED) {
    it(`converts ${file} exactly as checked by hand`, () => {
      const expected = JSON.parse(readFileSync(`${ROOT}expected/${file}.json`, 'utf8'));
      const result = importFile(ROOT + file, formatOf(file));
      expect({ config: result.config, warnings: result.warnings }).toEqual(expected);
    });
  }

  it('converts at least 90% of the usable files faithfully', () => {
    const files = INDEX.map((e) => e.file);
    for (const f of [...Object.keys(UNUSABLE), ...Object.keys(NOT_FAITHFUL)]) expect(files).toContain(f);
    expect(HAND_CHECKED.length).toBeGreaterThanOrEqual(15);
    const usable = files.filter((f) => UNUSABLE[f] === undefined);
    const faithful = usable.filter((f) => NOT_FAITHFUL[f] === undefined);
    expect({ files: files.length, usable: usable.length, faithful: faithful.length }).toEqual({ files: 44, usable: 42, faithful: 39 });
    expect(faithful.length / usable.length).toBeGreaterThanOrEqual(0.9);
  });
});
