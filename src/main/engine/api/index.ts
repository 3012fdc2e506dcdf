// The engine behind the API contract: request handlers, pushed events, calibrator selection.
export { createApiHandlers } from './handlers';
export { engineEvents } from './events';
export { searchCalibrators, seedCalibrators, curatedCalibrators, configuredBeam, BAND_CENTRE_HZ, type CalibratorSearch } from './calibrators';
export { databaseStatus, type DatabaseStatus } from './db-status';
