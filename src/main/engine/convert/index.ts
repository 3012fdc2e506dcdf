// UVH5 group -> Measurement Set conversion: planning, the rephasing kernel, the atomic writer,
// database-backed group conversion and the job-runner stage.
export { IncompleteGroupError, fileRowMap, planConversion, pointing, sbName } from './plan';
export type { ConversionPlan, FileRowMap, SubbandPlan } from './plan';
export { convertIntegration, convertIntegrationJs, uniformSpacing, useNativeKernel } from './kernel';
export type { KernelInput, KernelOutput } from './kernel';
export { chooseTileRows, removeStalePartials, verifyWrittenMs, writeConversion } from './convert';
export type { ConvertResult, WriteOptions } from './convert';
export { GroupConflictError, convertGroup, existingComplete, msPathFor } from './group';
export type { ConvertGroupOptions, ConvertGroupResult } from './group';
export { CONVERT_KIND, CONVERT_STAGE, ConvertParams, convertStage, registerConvert } from './stage';
