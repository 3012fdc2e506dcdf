// The pipeline's typed configuration: schema and defaults, layered loading with origins, workspace paths.
export { ConfigSchema, defaultConfig, LOG_LEVELS, PATH_FIELDS, type Config, type LogLevel } from './schema';
export { loadConfig, locateConfigFile, defaultsFor, type LoadConfigOptions, type LoadedConfig } from './load';
export {
  ConfigError,
  describeOrigin,
  keyToEnvName,
  envNameToKey,
  ENV_PREFIX,
  NON_CONFIG_ENV,
  type ConfigIssue,
  type ConfigOrigin,
  type OriginKind,
} from './sources';
export {
  defaultWorkspace,
  workspacePaths,
  ensureWorkspace,
  APP_DIR_NAME,
  type WorkspacePaths,
  type PlatformInfo,
} from './paths';
