import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // Renderer component tests (*.test.tsx) pick jsdom per file with `// @vitest-environment jsdom`.
          include: ['electron/**/*.test.ts', 'renderer/**/*.test.ts', 'renderer/**/*.test.tsx', 'test/unit/**/*.test.ts'],
          environment: 'node',
          // No test run leaves a warm engine behind (ADR 0010); the autostart test turns it on.
          env: { PADDOCK_ENGINE_AUTOSTART: '0' },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          env: { PADDOCK_ENGINE_AUTOSTART: '0' },
          // Real Docker engine: containers take seconds, images minutes on a cold machine.
          testTimeout: 180_000,
          hookTimeout: 900_000,
          // One file at a time: the files share one engine and measure its behaviour.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
          globalSetup: ['test/integration/global-setup.ts'],
        },
      },
    ],
  },
});
