/**
 * `npm run demo [-- --env NAME]`: the post-deploy stage against a vLLM simulator that mirrors an
 * environment (default dev): one simulated model per enabled variant, with the variant's served
 * name, `--max-model-len` and `--max-num-seqs`, and the LoRA variant's adapters, all from the
 * same validated config the manifests are built from.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runDemo } from '../bench/demo';
import { ConfigError, loadEnvironmentFile, type PlatformConfig } from '../config/platform';
import { demoModels } from './demo-models';
import { PROJECT_ROOT } from './synthesize';

async function demo(): Promise<number> {
  let env: string;
  try {
    env = parseArgs({ options: { env: { type: 'string', short: 'e', default: 'dev' } } }).values.env!;
  } catch (e) {
    console.error(`demo: ${(e as Error).message}; usage: npm run demo -- [--env NAME]`);
    return 2;
  }
  let c: PlatformConfig;
  try {
    c = loadEnvironmentFile(join(PROJECT_ROOT, `Pulumi.${env}.yaml`));
  } catch (e) {
    console.error(
      e instanceof ConfigError ? e.message : `demo: ${(e as Error).message}; pass --env with an environment that has a Pulumi.<env>.yaml`,
    );
    return 2;
  }
  return runDemo({ environment: env, ...demoModels(c) });
}

process.exitCode = await demo();
