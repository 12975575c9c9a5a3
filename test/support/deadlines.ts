/**
 * Hang guards, not speed limits: no test asserts how fast anything runs. A child process (tsx
 * start-up, a Pulumi program) can take minutes on a busy 2-core machine, so it is killed only
 * after {@link CHILD_DEADLINE_MS}; vitest's own per-test limit (vitest.config.ts) is above it, so a
 * hang fails as the child's deadline with its output, not as a bare test timeout.
 *
 * Measured under `npm run test:stress` beside other work (load average 14–16 on 2 cores): the
 * Pulumi harness run of test/infra/entry took 89 s and `npm run policy` over every environment
 * more than 90 s. The guard is several times that, so only a hang reaches it.
 */
export const CHILD_DEADLINE_MS = 300_000;
