// The literal a pattern requires: taken only where every match must hold it, refused when unsure.
import { describe, expect, it } from 'vitest';
import { requiredLiteral, requiredLiterals } from '../../src/logs/search-literal.js';

const lit = (pattern: string, ignoreCase = false) => requiredLiteral(pattern, ignoreCase)?.toString('utf8') ?? null;
const lits = (pattern: string, ignoreCase = false) => requiredLiterals(pattern, ignoreCase)?.map((b) => b.toString('utf8')) ?? null;

describe('requiredLiteral', () => {
  it('takes the longest run of plain characters at the top level', () => {
    expect(lit('connection refused')).toBe('connection refused');
    expect(lit('(ERROR|FATAL) .*timeout after [0-9]+ms')).toBe('timeout after ');
    expect(lit('^GET /api\\/items\\.json$')).toBe('GET /api/items.json');
    expect(lit('déjà vu')).toBe('déjà vu');
    expect(requiredLiteral('déjà', false)).toEqual(Buffer.from('déjà', 'utf8'));
  });

  it('drops a character a quantifier makes optional or repeated', () => {
    expect(lit('colou?r')).toBe('colo');
    expect(lit('abcx*yz')).toBe('abc');
    expect(lit('abcx{2,3}yz')).toBe('abc');
    expect(lit('ab+c')).toBe('a');
    expect(lit('a?')).toBeNull();
  });

  it('takes nothing from classes, lookarounds or escapes it does not know', () => {
    expect(lit('[abc]+')).toBeNull();
    expect(lit('refused(?=x)')).toBeNull();
    expect(lit('(?<!x)refused')).toBeNull();
    expect(lit('\\u00e9tat')).toBeNull();
    expect(lit('\\x41BC')).toBeNull();
    expect(lit('(a)\\1bc')).toBeNull();
    expect(lit('a{')).toBeNull();
    expect(lit('\\dabc\\s')).toBe('abc');
  });

  it('under ignoreCase, gives lowercase ASCII without k or s (case folding maps K and ſ onto them)', () => {
    expect(lit('Timeout', true)).toBe('timeout');
    expect(lit('disk FULL', true)).toBe(' full');
    expect(lit('ſtatus', true)).toBe('tatu');
    expect(lit('déjà vu', true)).toBe(' vu');
    expect(lit('[0-9]+ms 404', true)).toBe(' 404');
    // 'İ'.toLowerCase() is 'i' and a combining dot, but /İ/iu never matches an i: cut before lowercasing
    expect(lit('İx', true)).toBe('x');
  });

  it('takes a set from an alternation, one literal from each branch, or nothing when a branch has none', () => {
    expect(lits('ERROR|FATAL')).toEqual(['ERROR', 'FATAL']);
    expect(lits('(ERROR|FATAL)')).toEqual(['ERROR', 'FATAL']);
    expect(lits('(connection refused)')).toEqual(['connection refused']);
    expect(lits('(ERROR|FATAL): [0-9]+')).toEqual(['ERROR', 'FATAL']);
    expect(lits('(ERROR|FATAL) .*timeout after')).toEqual(['timeout after']);
    expect(lits('(?:ERROR|FATAL)+x')).toEqual(['ERROR', 'FATAL']);
    expect(lits('(?<level>ERROR|FATAL)')).toEqual(['ERROR', 'FATAL']);
    expect(lits('(ERR|ERROR)|ERR')).toEqual(['ERR']);
    expect(lits('Error|Fatal', true)).toEqual(['error', 'fatal']);
    expect(lits('tasks|x', true)).toEqual(['ta', 'x']);
    expect(lits('((ab|cd)|(ef|gh))')).toEqual(['ab', 'cd', 'ef', 'gh']);
    // one literal beats a set of short ones: each literal costs a pass
    expect(lits('((a|b)|(c|d))e')).toEqual(['e']);
    // a branch or a group that may be skipped gives nothing
    expect(lits('ERROR|')).toBeNull();
    expect(lits('ERROR|.*')).toBeNull();
    expect(lits('(ERROR|FATAL)?')).toBeNull();
    expect(lits('(ERROR|FATAL)*x')).toEqual(['x']);
    expect(lits('(ERROR|FATAL){0,2}')).toBeNull();
    expect(lits('kk|x', true)).toBeNull();
    // more than MAX_LITERALS, unbalanced, or a lookaround in a branch: nothing
    expect(lits('a|b|c|d|e|f|g|h|i')).toBeNull();
    expect(lits('(a|b')).toBeNull();
    expect(lits('a|b)')).toBeNull();
    expect(lits('a|b(?=c)')).toBeNull();
    expect(lits('(a)\\1|b')).toBeNull();
  });
});
