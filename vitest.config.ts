import { defineConfig } from 'vitest/config';

// Unit, parity and runtime tests run in Node. Browser tests live in e2e/ with their own config.
export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
