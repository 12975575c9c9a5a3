/** facts/pulumi-aws.ts is the AWS provider's real config surface: checked against the installed package. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AWS_CONFIG_KEYS, AWS_REGION, PULUMI_AWS_VERSION, type AwsConfigKind } from '../../facts/pulumi-aws';

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('@pulumi/aws/package.json'));

/** The kind of value a `config/vars.d.ts` declaration takes. */
function kindOf(type: string): AwsConfigKind {
  if (type.endsWith('[]')) return 'list';
  if (type.startsWith('outputs.')) return 'mapping';
  return type as AwsConfigKind;
}

describe('the aws: config keys', () => {
  it('were read from the @pulumi/aws version package.json pins', () => {
    const pinned = (
      JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { dependencies: Record<string, string> }
    ).dependencies['@pulumi/aws'];
    expect(pinned).toBe(PULUMI_AWS_VERSION);
    expect((JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version).toBe(PULUMI_AWS_VERSION);
  });

  it('are every config key the provider declares, with its kind', () => {
    const vars = readFileSync(join(packageDir, 'config/vars.d.ts'), 'utf8');
    const declared = Object.fromEntries(
      [...vars.matchAll(/^export declare const (\w+): (.+?)(?: \| undefined)?;$/gm)].map((m) => [m[1]!, kindOf(m[2]!)]),
    );
    expect(Object.keys(declared).length).toBeGreaterThan(30);
    expect(AWS_CONFIG_KEYS).toEqual(declared);
  });

  it('take region names as AWS writes them', () => {
    for (const r of ['us-east-1', 'eu-central-2', 'ap-southeast-7', 'us-gov-west-1', 'cn-north-1', 'il-central-1'])
      expect(r).toMatch(AWS_REGION);
    for (const r of ['us-east', 'US-EAST-1', 'us_east_1', 'useast1', ' us-east-1']) expect(r).not.toMatch(AWS_REGION);
  });
});
