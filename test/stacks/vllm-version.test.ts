/** The vLLM image-version gate (config/vllm-version.ts): images must have every flag the construct emits, per facts/vllm. */
import { describe, expect, it } from 'vitest';
import { ConfigError, parsePlatformConfig } from '../../config/platform';
import { emittedFlags } from '../../config/vllm-version';
import { CURRENT_VLLM, lookupFlag } from '../../facts/vllm';
import { realEnvironments } from '../support/manifests';

const SOURCE = 'Pulumi.test.yaml';

function problemsOf(settings: Record<string, unknown>): readonly string[] {
  try {
    parsePlatformConfig(settings, 'test', SOURCE);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('config was accepted');
}

const blueGreenAwq = (tracks: Record<string, unknown>) => ({
  workloads: { modelCache: { kind: 'shared' } },
  models: {
    fp16: { enabled: false },
    lora: { enabled: false },
    judge: { enabled: false },
    awq: { rolloutStrategy: 'BlueGreen', blueGreen: { tracks } },
  },
});

describe('vLLM image-version gate', () => {
  it.each(realEnvironments())('accepts %s: every flag its variants emit exists in vLLM %s', (_env, c) => {
    for (const m of c.enabledModels) {
      for (const flag of emittedFlags(m.id, m)) expect(lookupFlag(CURRENT_VLLM, flag), `${m.id} ${flag}`).toBeDefined();
    }
    expect(c.warnings.filter((w) => w.includes('vLLM'))).toEqual([]);
  });

  it('fails when the image tag is older than a flag the construct emits', () => {
    expect(
      problemsOf({
        workloads: { image: { tag: 'v0.17.1' } },
        models: { fp16: { enabled: false }, lora: { enabled: false }, judge: { enabled: false } },
      }),
    ).toEqual([
      'workloads.image.tag runs vLLM 0.17.1, which has no --shutdown-timeout (added in vLLM 0.18.0) that models.awq passes, got "v0.17.1"; use an image of vLLM 0.18.0 or later',
    ]);
  });

  it('fails when a blue/green track pins an older image, naming the track', () => {
    expect(problemsOf(blueGreenAwq({ green: { imageTag: 'v0.16.0' } }))).toEqual([
      'models.awq.blueGreen.tracks.green.imageTag runs vLLM 0.16.0, which has no --shutdown-timeout (added in vLLM 0.18.0) that models.awq passes, got "v0.16.0"; use an image of vLLM 0.18.0 or later',
    ]);
  });

  it('fails when a digest-pinned image does not say its vLLM version, and checks the one it says', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(problemsOf({ workloads: { image: { digest } } })).toEqual([
      `workloads.image.digest pins the image, so the vLLM version it runs is unknown, got "${digest}"; set workloads.image.vllmVersion (e.g. 0.18.0) so the flags can be checked`,
    ]);
    expect(problemsOf({ workloads: { image: { digest, vllmVersion: '0.17.0' } } })[0]).toBe(
      'workloads.image.vllmVersion runs vLLM 0.17.0, which has no --shutdown-timeout (added in vLLM 0.18.0) that models.awq passes, got "0.17.0"; use an image of vLLM 0.18.0 or later',
    );
    expect(() => parsePlatformConfig({ workloads: { image: { digest, vllmVersion: '0.18.0' } } }, 'test', SOURCE)).not.toThrow();
  });

  it('fails when a tag names no release, and warns for a release newer than the recorded surface', () => {
    expect(problemsOf({ workloads: { image: { tag: 'nightly' } } })).toEqual([
      'workloads.image.tag does not name a vLLM release, got "nightly"; use a release tag like v0.18.0, or pin a digest and set workloads.image.vllmVersion',
    ]);
    const c = parsePlatformConfig({ workloads: { image: { tag: 'v0.19.1-cu128' } } }, 'test', SOURCE);
    expect(c.warnings).toContain(
      'workloads.image.tag runs vLLM 0.19.1, newer than the newest recorded surface (facts/vllm, 0.18.0), got "v0.19.1-cu128"; its flags are checked against 0.18.0 until facts/vllm/v0.19.1.ts is recorded',
    );
  });
});
