/**
 * infra/README.md's prod deploy path names resources by URN; a renamed component would turn
 * `pulumi up --exclude` into a no-op that then fails on the private endpoint. The URNs in the
 * README are the ones the program registers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PROJECT_ROOT } from '../../stacks/synthesize';
import { type CapturedResource, TODAY, byName, runStack } from './support/stack';

const readme = readFileSync(join(PROJECT_ROOT, 'infra', 'README.md'), 'utf8');
let resources: CapturedResource[];

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'], now: TODAY });
  resources = (await runStack('prod')).resources;
});
afterAll(() => {
  vi.useRealTimers();
});

describe('the prod deploy path in infra/README.md', () => {
  it('excludes the Kubernetes provider the program registers', () => {
    const excluded = [...readme.matchAll(/--exclude '([^']+)'/g)].map((m) => m[1]);
    expect(excluded).toEqual([byName(resources, 'pulumi:providers:kubernetes', 'cluster-k8s').urn]);
  });

  it('replaces the access host by the URN the program registers', () => {
    const replaced = [...readme.matchAll(/--replace '([^']+)'/g)].map((m) => m[1]);
    expect(replaced).toEqual([byName(resources, 'aws:ec2/instance:Instance', 'access-host').urn]);
  });

  it('opens the tunnel on the port the prod stack file tells the provider to use', () => {
    expect(readme).toContain('localPortNumber=8443');
    const provider = byName(resources, 'pulumi:providers:kubernetes', 'cluster-k8s');
    expect(String(provider.inputs.kubeconfig)).toContain('https://127.0.0.1:8443');
  });

  it('imports the control-plane log group under the Cluster component the program registers', () => {
    const parent = /--parent '([^']+)'/.exec(readme)?.[1];
    expect(parent).toBe(byName(resources, 'llm-platform:infra:Cluster', 'cluster').urn);
  });
});
