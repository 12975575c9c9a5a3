/**
 * Hang guards, not speed limits: no test asserts how fast anything runs. A child process (tsx
 * start-up, a Pulumi program) can take tens of seconds on a busy 2-core machine, so it is killed
 * only after {@link CHILD_DEADLINE_MS}; vitest's own per-test limit (vitest.config.ts) is above it,
 * so a hang fails as the child's deadline with its output, not as a bare test timeout.
 */
export const CHILD_DEADLINE_MS = 90_000;
