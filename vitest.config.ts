import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    retry: 0,
    // every daemon the tests start checks each answer against its operation's result schema
    env: { SENTINEL_CHECK_RESULTS: '1' },
  },
});
