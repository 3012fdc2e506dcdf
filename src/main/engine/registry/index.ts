// The data registry: staged products registered with checksums and published safely.
export { registerProduct, publish, recoverPublishing, onQaPassed } from './publish';
export type {
  RegisterInput,
  PublishOptions,
  PublishResult,
  RecoveryReport,
  RepairOutcome,
  RegistryEngine,
} from './publish';
export { publishAfterQa, type AfterQa } from './after-qa';
export { checksumPath, type Checksum } from './checksum';
export { RegistryError, type RegistryErrorCode } from './errors';
export { checkProductId } from './paths';
export { journalDir } from './journal';
