import { configDefaults, defineConfig } from 'vitest/config'

const roots = ['src', 'reporters', 'test']

// netbench's own tests, as two projects. `lab` (*.lab.test.ts) needs root: namespaces, iperf3 in
// them, nftables, BIRD, dockerd, the CLI running the lab. `unit` is the rest and runs as any user
// (`npx vitest run --project unit`), files in parallel. Lab tests share the machine's links and
// CPU, so their files run one at a time, and after the unit tests (groupOrder), never beside them.
export default defineConfig({
  test: {
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          fileParallelism: true,
          include: roots.map((root) => `${root}/**/*.test.ts`),
          exclude: [...configDefaults.exclude, '**/*.lab.test.ts'],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'lab',
          include: roots.map((root) => `${root}/**/*.lab.test.ts`),
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
