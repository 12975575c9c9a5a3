/**
 * The plain functions under the components, and the settings the real stack files do not
 * exercise (Bottlerocket GPU nodes).
 */
import { describe, expect, it } from 'vitest';
import { subnetLayout } from '../../infra/network';
import { imageVolumeDevice, spreadAcrossZones } from '../../infra/node-groups';
import { serviceEndpoints } from '../../infra/workloads';
import { byName, ofType, runStack } from './support/stack';

/** [first, last] address of a CIDR as numbers. */
function range(cidr: string): [number, number] {
  const [ip, bits] = cidr.split('/') as [string, string];
  const start = ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
  return [start, start + 2 ** (32 - Number(bits)) - 1];
}

describe('subnetLayout', () => {
  it('gives each zone a quarter of a /16 for nodes and pods and a /22 from the last quarter for NAT', () => {
    expect(subnetLayout('10.0.0.0/16', 3)).toEqual([
      { private: '10.0.0.0/18', public: '10.0.192.0/22' },
      { private: '10.0.64.0/18', public: '10.0.196.0/22' },
      { private: '10.0.128.0/18', public: '10.0.200.0/22' },
    ]);
  });

  it.each(['10.0.0.0/16', '172.16.0.0/18', '192.168.16.0/20'])('keeps %s subnets inside the VPC and apart', (vpc) => {
    const subnets = subnetLayout(vpc, 3).flatMap((z) => [z.private, z.public]).map(range);
    const [lo, hi] = range(vpc);
    for (const [a, b] of subnets) expect(a >= lo && b <= hi).toBe(true);
    const sorted = [...subnets].sort((x, y) => x[0] - y[0]);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]![0]).toBeGreaterThan(sorted[i - 1]![1]);
  });
});

describe('spreadAcrossZones', () => {
  it('splits a pool size over zones, earlier zones first, never losing a node', () => {
    expect(spreadAcrossZones(8, 3)).toEqual([3, 3, 2]);
    expect(spreadAcrossZones(3, 2)).toEqual([2, 1]);
    expect(spreadAcrossZones(0, 3)).toEqual([0, 0, 0]);
  });
});

describe('GPU node AMIs', () => {
  it('puts container images on the volume the AMI family keeps them on', () => {
    expect(imageVolumeDevice('AL2023_x86_64_NVIDIA')).toBe('/dev/xvda');
    expect(imageVolumeDevice('BOTTLEROCKET_x86_64_NVIDIA')).toBe('/dev/xvdb');
  });

  it('skips the device plugin chart on Bottlerocket, which runs its own', async () => {
    const run = await runStack('dev', { settings: { gpuNodes: { amiType: 'BOTTLEROCKET_x86_64_NVIDIA' } } });
    const releases = ofType(run.resources, 'kubernetes:helm.sh/v3:Release').map((r) => r.name);
    expect(releases).not.toContain('addons-nvidia-device-plugin');
    expect(releases).toContain('addons-keda');
    const lt = byName(run.resources, 'aws:ec2/launchTemplate:LaunchTemplate', 'gpu-nodes-lt').inputs as { blockDeviceMappings: { deviceName: string }[] };
    expect(lt.blockDeviceMappings.map((m) => m.deviceName)).toEqual(['/dev/xvdb']);
  });
});

describe('serviceEndpoints', () => {
  it('fails when the chart renders no Service for an enabled variant', () => {
    expect(() => serviceEndpoints([], ['mistral-7b-awq'])).toThrow(
      'workloads have no Service mistral-7b-awq with a namespace and a port; the model chart must render one per enabled variant',
    );
  });
});
