// The YAML parser and printer for code that loads them on first use. `await import('yaml')` is not enough: in
// the daemon's bundle, a CommonJS package imported dynamically becomes a chunk with only a default export
// (its named exports are undefined there, though they work from tsc's output); through this ES module they are
// real named exports in both.
export { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
