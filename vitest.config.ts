import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that start bench/bin/llm-bench.mjs run the compiled CLI: build it first.
    globalSetup: ['test/build-bench.ts'],
    // Removes the temporary folders each file made (test/support/temp.ts).
    setupFiles: ['test/support/setup.ts'],
    // Pulumi keeps module-level runtime state (mocks, config): every file gets its own process.
    pool: 'forks',
    // Hang guards, not speed limits (see test/support/deadlines.ts): above every child deadline.
    testTimeout: 330_000,
    // The registry tests run the AWS SDK on Node 20; its notice about a future Node 22 floor is noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    hookTimeout: 330_000,
    reporters: ['default', 'json'],
    outputFile: { json: 'out/vitest-results.json' },
  },
});
