// The addon's malloc_trim (native/mem.c): callable, answers a boolean, and the JavaScript side is a no-op
// without the addon.
import { describe, expect, it } from 'vitest';
import { nativeAddon, trimMalloc } from '../../src/core/native.js';

describe('native malloc trim', () => {
  it('is in the built addon and answers whether memory went back', () => {
    const addon = nativeAddon();
    expect(addon?.trimMalloc).toBeTypeOf('function');
    expect(typeof addon!.trimMalloc!()).toBe('boolean');
  });

  it('trimMalloc answers a boolean through the addon or without it', () => {
    expect(typeof trimMalloc()).toBe('boolean');
  });
});
