import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../bench/errors';
import {
  checkEnvName,
  checkImageRef,
  checkModelName,
  checkVersion,
  compareVersions,
  parseDurationMs,
  registryModelUri,
} from '../../../bench/registry/names';

describe('model names', () => {
  it.each(['mistral-7b-awq', 'mistral-7b-instruct-v0.2', 'a', 'judge_v2', '7b'])('accepts %s', (name) => {
    expect(checkModelName(name)).toBeUndefined();
  });

  it.each(['Mistral-7B', 'thebloke/mistral', '-awq', 'awq-', 'a..b', 'a b', '', 'x'.repeat(101), 'env#prod'])(
    'fails when the name is %j',
    (name) => {
      expect(checkModelName(name)).toBe(
        `model name must be 1-100 lowercase letters, digits, '.', '_' or '-', starting and ending with a letter or digit, got ${JSON.stringify(name)}; e.g. mistral-7b-awq`,
      );
    },
  );
});

describe('versions', () => {
  it.each(['0.0.0', '1.2.3', '10.20.30', '1.0.0-rc.1', '1.0.0-alpha-a.b-c', '1.0.0-0.3.7', '2.0.0-x.7.z.92'])('accepts %s', (version) => {
    expect(checkVersion(version)).toBeUndefined();
  });

  it.each(['1', '1.2', '01.2.3', '1.02.3', '1.2.3-01', '1.2.3-', '1.2.3.4', 'latest', '1.2.3 ', 'a.b.c'])(
    'fails when the version is %j',
    (version) => {
      expect(checkVersion(version)).toBe(
        `version must be a semantic version MAJOR.MINOR.PATCH[-PRERELEASE], got ${JSON.stringify(version)}; e.g. 1.2.0 or 1.3.0-rc.1`,
      );
    },
  );

  it('fails when the version has a leading v', () => {
    expect(checkVersion('v1.2.3')).toBe('version must be a semantic version without a leading v, got "v1.2.3"; use 1.2.3');
  });

  it('fails when the version carries build metadata', () => {
    expect(checkVersion('1.2.3+20240101')).toBe(
      'version must not carry build metadata, got "1.2.3+20240101"; use a prerelease such as 1.2.3-20240101 or a new patch version',
    );
  });

  it('orders versions by semver precedence, prereleases below their release', () => {
    const ordered = [
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-alpha.beta',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.0.1',
      '1.2.0',
      '1.10.0',
      '2.0.0',
    ];
    const shuffled = [...ordered].reverse();
    shuffled.splice(3, 0, shuffled.splice(7, 1)[0]!);
    expect(shuffled.sort(compareVersions)).toEqual(ordered);
    expect(compareVersions('99999999999999999999.0.0', '9999999999999999999.0.0')).toBeGreaterThan(0);
    expect(compareVersions('1.0.0', '1.0.0')).toBe(0);
  });
});

describe('environments and images', () => {
  it.each(['prod', 'dev', 'staging-eu-1'])('accepts environment %s', (env) => {
    expect(checkEnvName(env)).toBeUndefined();
  });

  it.each(['Prod', '1prod', 'prod-', 'pr#d', ''])('fails when the environment is %j', (env) => {
    expect(checkEnvName(env)).toBe(
      `environment must be 1-32 lowercase letters, digits or '-', starting with a letter, got ${JSON.stringify(env)}; e.g. prod`,
    );
  });

  it.each([
    'vllm/vllm-openai:v0.11.0',
    `vllm/vllm-openai@sha256:${'a'.repeat(64)}`,
    `123456789012.dkr.ecr.eu-west-1.amazonaws.com/vllm:v0.11.0@sha256:${'0'.repeat(64)}`,
    'localhost:5000/team/vllm:dev-1',
  ])('accepts image %s', (image) => {
    expect(checkImageRef(image)).toBeUndefined();
  });

  it('fails when the image pins nothing', () => {
    expect(checkImageRef('vllm/vllm-openai')).toBe(
      'image must pin a tag or a digest, got "vllm/vllm-openai"; append :TAG or @sha256:DIGEST',
    );
  });

  it('fails when the image tag is latest', () => {
    expect(checkImageRef('vllm/vllm-openai:latest')).toBe(
      'image tag latest is not a pin, got "vllm/vllm-openai:latest"; use a version tag or @sha256:DIGEST',
    );
  });

  it('fails when the image is not a reference', () => {
    expect(checkImageRef('VLLM OPENAI')).toBe(
      'image must be a container reference REPOSITORY:TAG or REPOSITORY@sha256:DIGEST, got "VLLM OPENAI"; e.g. vllm/vllm-openai:v0.11.0',
    );
  });
});

describe('registryModelUri', () => {
  it('builds the S3 URI workloads load the model from', () => {
    expect(registryModelUri('llm-registry', 'mistral-7b-awq', '1.2.0')).toBe('s3://llm-registry/models/mistral-7b-awq/v1.2.0/');
  });

  it('fails when the version is invalid', () => {
    expect(() => registryModelUri('llm-registry', 'mistral-7b-awq', 'v1.2.0')).toThrow(
      new UsageError('version must be a semantic version without a leading v, got "v1.2.0"; use 1.2.0'),
    );
  });
});

describe('durations', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
  ])('parses %s', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it.each(['15', '1.5m', 'm', '-1s', '1d'])('rejects %s', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
});
