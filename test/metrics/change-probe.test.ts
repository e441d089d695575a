// The metrics history's change probe through the native addon (runTimes, procList, procStatsOf).
import { describe, expect, it } from 'vitest';
import { nativeAddon } from '../../src/core/native.js';
import { probeCases } from './change-probe.cases.js';

it('the native addon is built here, with runTimes', () => {
  expect(typeof nativeAddon()?.runTimes).toBe('function');
});

describe('ChangeProbe through the native addon', probeCases);
