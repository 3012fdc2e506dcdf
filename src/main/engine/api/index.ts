// The engine behind the API contract: request handlers, pushed events, and (re-exported from
// calibration/, where the engine and the planner use it too) calibrator selection.
export { createApiHandlers } from './handlers';
export { engineEvents } from './events';
export {
  searchCalibrators,
  seedCalibrators,
  curatedCalibrators,
  configuredBeam,
  BAND_CENTRE_HZ,
  type CalibratorSearch,
} from '../calibration/calibrators';
export { databaseStatus, type DatabaseStatus } from './db-status';
