/**
 * Write the manifests of one or more environments to `<outDir>/<env>/`.
 *
 * Unlike `cdk8s synth`, which deletes its whole output folder first, this touches only the
 * `*.k8s.yaml` files inside each environment's folder, so it can write straight into a GitOps
 * checkout that holds other files (a README, a kustomization.yaml) next to them.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, ConfigErrors, environmentOf, loadEnvironmentFile, type PlatformConfig } from '../config/platform';
import { platformApp } from './platform-chart';

/** The project root: where Pulumi.<env>.yaml files live. */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

const MANIFEST_SUFFIX = '.k8s.yaml';

/** Environment names from the `Pulumi.<env>.yaml` files in `root`, sorted. */
export function environments(root = PROJECT_ROOT): string[] {
  return readdirSync(root)
    .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
    .map(environmentOf)
    .sort();
}

export interface SynthesizeOptions {
  /** Folder that receives one sub-folder per environment. */
  readonly outDir: string;
  /** Environments to write. @default - every Pulumi.<env>.yaml in the project */
  readonly envs?: readonly string[];
  readonly root?: string;
}

export interface SynthesizedEnvironment {
  readonly environment: string;
  readonly dir: string;
  readonly files: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Validate every requested environment, then write them. Nothing is written unless all of
 * them are valid, so a bad config never leaves a half-updated GitOps tree.
 *
 * @throws ConfigError for one bad environment, ConfigErrors (every file's problems) for several
 */
export function synthesize(opts: SynthesizeOptions): SynthesizedEnvironment[] {
  const root = opts.root ?? PROJECT_ROOT;
  const known = environments(root);
  const envs = opts.envs && opts.envs.length > 0 ? [...opts.envs] : known;
  const unknown = envs.filter((e) => !known.includes(e));
  if (unknown.length > 0) {
    throw new Error(`--env ${unknown.join(', ')} has no Pulumi.<env>.yaml; known environments: ${known.join(', ') || 'none'}`);
  }
  const configs: PlatformConfig[] = [];
  const errors: ConfigError[] = [];
  for (const e of envs) {
    try {
      configs.push(loadEnvironmentFile(join(root, `Pulumi.${e}.yaml`)));
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      errors.push(err);
    }
  }
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new ConfigErrors(errors);
  return configs.map((config) => {
    const dir = join(opts.outDir, config.environment);
    if (existsSync(dir)) {
      for (const f of readdirSync(dir)) if (f.endsWith(MANIFEST_SUFFIX)) rmSync(join(dir, f));
    }
    platformApp(config, dir).synth();
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(MANIFEST_SUFFIX))
      .sort();
    return { environment: config.environment, dir, files, warnings: config.warnings };
  });
}
