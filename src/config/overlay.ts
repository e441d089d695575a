// Step 2b: the chosen `environments.<name>` overlay is deep-merged over the document (PM2's
// env_production, but for every section); null in an overlay removes a key.
import type { ConfigIssue } from './issues.js';
import { clone, deepMerge, isPlainObject, type Plain } from './merge.js';
import { copyLocations, type SourceMap } from './source-map.js';
import { didYouMean } from './suggest.js';

export function applyEnvironment(data: Plain, map: SourceMap, environment: string | undefined, file: string): ConfigIssue[] {
  if (environment === undefined) return [];
  const environments = isPlainObject(data.environments) ? data.environments : {};
  const overlay = environments[environment];
  if (overlay === undefined) {
    const names = Object.keys(environments);
    const known = names.length > 0 ? `defined: ${names.join(', ')}${didYouMean(environment, names)}` : 'it has no "environments" section';
    return [{ path: [], message: `environment "${environment}" is not defined in ${file}; ${known}` }];
  }
  if (!isPlainObject(overlay)) return []; // validation reports the wrong type in place
  for (const [section, value] of Object.entries(overlay)) {
    data[section] = deepMerge(data[section], clone(value));
  }
  copyLocations(map, ['environments', environment], [], true);
  return [];
}
