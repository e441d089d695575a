// The metrics history's change probe with the native addon off (SENTINEL_NATIVE=0): the same answers
// through fs (readdir of /proc, schedstat and stat files read one by one).
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/core/native.js';
import { probeCases } from './change-probe.cases.js';

// before the first nativeAddon() call, which decides once for the process
process.env.SENTINEL_NATIVE = '0';

it('runs without the addon', () => {
  expect(nativeAddon()).toBeNull();
});

describe('ChangeProbe through the JavaScript path', probeCases);
