// The declared domain model (zod schemas + inferred types), used by the database, the API
// contract and the UI. Times are MJD (UTC) float64; angles are degrees unless named otherwise.
export * from './common';
export * from './ingest';
export * from './ms';
export * from './calibration';
export * from './images';
export * from './products';
export * from './jobs';
export * from './sources';
export * from './labels';
export * from './qa';
