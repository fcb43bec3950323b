import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['router/**/*.test.ts', 'deploy/**/*.test.ts', 'scripts/**/*.test.ts', 'schema/**/*.test.ts', 'bench/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Tests start servers and child processes; two workers match the 2-core machines we run on.
    maxWorkers: 2,
  },
});
