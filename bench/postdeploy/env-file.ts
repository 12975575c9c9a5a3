/**
 * `--env-config Pulumi.<env>.yaml`: the environment's service contract. The only bench module that
 * loads the platform config schema, so only a run that asks for it pays for it.
 */
import { ConfigError } from '../../config/platform';
import { loadServiceContract, type ServiceContract } from '../../config/service-contract';
import { UsageError } from '../errors';

/** Loads an environment file's service contract; a config problem is a usage error (exit 2). */
export function loadEnvDefaults(file: string): ServiceContract {
  try {
    return loadServiceContract(file);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`--env-config ${err.message}`);
    throw new UsageError(
      `--env-config ${file} cannot be read, got ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; pass a Pulumi.<env>.yaml`,
    );
  }
}
