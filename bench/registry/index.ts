/** Public API of the model registry client. */
export { type AwsLocation, createAwsClients } from './aws';
export { REGISTRY_DEFAULTS } from './defaults';
export { RegistryError, type RegistryErrorCode } from './errors';
export {
  MANIFEST_FILE,
  type EnvPointer,
  type Manifest,
  type ManifestFile,
  type PendingVersion,
  type ReadyVersion,
  type VersionEntry,
} from './model';
export { checkEnvName, checkImageRef, checkModelName, checkVersion, compareVersions, registryModelUri } from './names';
export {
  ModelRegistry,
  type ModelListing,
  type ModelRegistryProps,
  type PromoteRequest,
  type Promotion,
  type PublishEvent,
  type PublishRequest,
  type PublishResult,
  type Resolution,
  type VerifyProblem,
  type VerifyReport,
} from './registry';
