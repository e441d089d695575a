// The literal a pattern requires: taken only where every match must hold it, refused when unsure.
import { describe, expect, it } from 'vitest';
import { requiredLiteral } from '../../src/logs/search-literal.js';

const lit = (pattern: string, ignoreCase = false) => requiredLiteral(pattern, ignoreCase)?.toString('utf8') ?? null;

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

  it('takes nothing from groups, classes, alternatives at the top level, lookarounds or escapes it does not know', () => {
    expect(lit('(connection refused)')).toBeNull();
    expect(lit('[abc]+')).toBeNull();
    expect(lit('refused|timeout')).toBeNull();
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
  });
});
