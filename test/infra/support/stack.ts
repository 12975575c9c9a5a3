/**
 * The mocked-stack capture (stacks/stack-capture.ts) for vitest: the module registry is reset
 * before each run so the program evaluates afresh, plus lookups by type and name.
 */
import { vi } from 'vitest';
import { type CapturedResource, type StackOverrides, type StackRun, captureStack } from '../../../stacks/stack-capture';

export {
  ACCOUNT_ID,
  type CapturedResource,
  type StackOverrides,
  type StackRun,
  TEST_SECRETS,
  ZONES,
  lastRegistrations,
  mockCall,
  mockState,
  stackConfig,
} from '../../../stacks/stack-capture';

/** Run stacks/pulumi.ts for `env` under mocks (see captureStack). */
export function runStack(env: string, overrides: StackOverrides = {}): Promise<StackRun> {
  return captureStack(env, overrides, () => {
    vi.resetModules();
    return import('../../../stacks/pulumi');
  });
}

/** Every captured resource of `type`. */
export function ofType(resources: readonly CapturedResource[], type: string): CapturedResource[] {
  return resources.filter((r) => r.type === type);
}

/** The one resource of `type` named `name`; fails with what exists when absent. */
export function byName(resources: readonly CapturedResource[], type: string, name: string): CapturedResource {
  const hits = resources.filter((r) => r.type === type && r.name === name);
  if (hits.length !== 1) {
    const have =
      ofType(resources, type)
        .map((r) => r.name)
        .join(', ') || 'none';
    throw new Error(`expected one ${type} named ${name}, found ${hits.length}; ${type}: ${have}`);
  }
  return hits[0]!;
}

/** The URN of a resource's nearest registered ancestor chain, for "is this a child of" checks. */
export function isUnder(resources: readonly CapturedResource[], r: CapturedResource, ancestor: CapturedResource): boolean {
  const byUrn = new Map(resources.map((x) => [x.urn, x]));
  for (let p = r.parent; p; p = byUrn.get(p)?.parent ?? '') if (p === ancestor.urn) return true;
  return false;
}

/** The day the stacks are checked on: EKS support dates are compared with it. */
export const TODAY = new Date('2026-12-06T12:00:00Z');
