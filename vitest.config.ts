import { defineConfig } from 'vitest/config'

// netbench's own tests. Lab tests share the machine's links and CPU, so files run one at a time.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'reporters/**/*.test.ts', 'test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
