// The versioned schema. Append new migrations; never edit one that has shipped.
// Times are MJD (UTC) REAL columns, angles are degrees, JSON columns end in _json.
import { CALTABLE_KINDS, CALTABLE_STATUSES } from '../../../shared/model/calibration';
import { IMAGE_KINDS, IMAGE_TIERS, MOSAIC_GROUP_STATUSES, MOSAIC_METHODS } from '../../../shared/model/images';
import { INGEST_STATES } from '../../../shared/model/ingest';
import { STREAM_STATES } from '../../../shared/model/stream';
import { JOB_STATES, LOG_LEVELS, STAGE_STATES } from '../../../shared/model/jobs';
import { MS_STATUSES } from '../../../shared/model/ms';
import { PRODUCT_KINDS, PRODUCT_STATUSES } from '../../../shared/model/products';
import { PLAN_STATUSES, QA_SUBJECTS, QA_TIERS, QA_VERDICTS } from '../../../shared/model/qa';
import { FLUX_MEASURES } from '../../../shared/model/sources';
import { v9Photometry } from './schema-photometry';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** `col IN ('a', 'b')` from the model's enum, so the CHECK and the model cannot drift apart. */
function oneOf(col: string, values: readonly string[]): string {
  return `${col} IN (${values.map((v) => `'${v}'`).join(', ')})`;
}
const dec = (col: string, nullable = true) =>
  `CHECK (${nullable ? `${col} IS NULL OR ` : ''}${col} BETWEEN -90 AND 90)`;
const ra = (col: string, nullable = true) =>
  `CHECK (${nullable ? `${col} IS NULL OR ` : ''}(${col} >= 0 AND ${col} < 360))`;
const json = (col: string) => `CHECK (${col} IS NULL OR json_valid(${col}))`;

const v1Pipeline = `
CREATE TABLE ingest_groups (
  id                TEXT PRIMARY KEY,
  state             TEXT NOT NULL CHECK (${oneOf('state', INGEST_STATES)}),
  expected_subbands INTEGER NOT NULL DEFAULT 16 CHECK (expected_subbands BETWEEN 1 AND 16),
  attempts          INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error        TEXT,
  dec_deg           REAL ${dec('dec_deg')},
  start_mjd         REAL NOT NULL,
  end_mjd           REAL,
  created_mjd       REAL NOT NULL,
  updated_mjd       REAL NOT NULL
);
CREATE INDEX ingest_groups_by_time ON ingest_groups (start_mjd);
CREATE INDEX ingest_groups_by_state ON ingest_groups (state, start_mjd);

CREATE TABLE subband_files (
  path            TEXT PRIMARY KEY,
  group_id        TEXT NOT NULL REFERENCES ingest_groups (id) ON DELETE CASCADE,
  subband         INTEGER NOT NULL CHECK (subband BETWEEN 0 AND 15),
  start_mjd       REAL NOT NULL,
  dec_deg         REAL ${dec('dec_deg')},
  size_bytes      INTEGER NOT NULL CHECK (size_bytes >= 0),
  mtime_mjd       REAL NOT NULL,
  checksum_sha256 TEXT CHECK (checksum_sha256 IS NULL OR length(checksum_sha256) = 64),
  UNIQUE (group_id, subband)
);
CREATE INDEX subband_files_by_time ON subband_files (start_mjd);

CREATE TABLE measurement_sets (
  id                   INTEGER PRIMARY KEY,
  path                 TEXT NOT NULL UNIQUE,
  group_id             TEXT REFERENCES ingest_groups (id) ON DELETE SET NULL,
  start_mjd            REAL NOT NULL,
  end_mjd              REAL NOT NULL,
  mid_mjd              REAL NOT NULL,
  dec_deg              REAL NOT NULL ${dec('dec_deg', false)},
  phase_center_ra_deg  REAL ${ra('phase_center_ra_deg')},
  phase_center_dec_deg REAL ${dec('phase_center_dec_deg')},
  n_antennas           INTEGER CHECK (n_antennas IS NULL OR n_antennas >= 0),
  n_spws               INTEGER CHECK (n_spws IS NULL OR n_spws >= 0),
  n_rows               INTEGER CHECK (n_rows IS NULL OR n_rows >= 0),
  status               TEXT NOT NULL CHECK (${oneOf('status', MS_STATUSES)}),
  stage                TEXT,
  flagged_fraction     REAL CHECK (flagged_fraction IS NULL OR flagged_fraction BETWEEN 0 AND 1),
  created_mjd          REAL NOT NULL,
  updated_mjd          REAL NOT NULL,
  CHECK (end_mjd >= start_mjd)
);
CREATE INDEX measurement_sets_by_time ON measurement_sets (mid_mjd);
CREATE INDEX measurement_sets_by_dec ON measurement_sets (dec_deg, mid_mjd);
CREATE INDEX measurement_sets_by_group ON measurement_sets (group_id);
CREATE INDEX measurement_sets_by_status ON measurement_sets (status, mid_mjd);

CREATE TABLE calibrators (
  name           TEXT PRIMARY KEY,
  ra_deg         REAL NOT NULL ${ra('ra_deg', false)},
  dec_deg        REAL NOT NULL ${dec('dec_deg', false)},
  flux_1400_jy   REAL NOT NULL CHECK (flux_1400_jy > 0),
  spectral_index REAL NOT NULL,
  catalog        TEXT NOT NULL,
  position_code  TEXT,
  uv_min_klambda REAL,
  uv_max_klambda REAL
);
CREATE INDEX calibrators_by_dec ON calibrators (dec_deg);

CREATE TABLE caltables (
  id              INTEGER PRIMARY KEY,
  path            TEXT NOT NULL UNIQUE,
  kind            TEXT NOT NULL CHECK (${oneOf('kind', CALTABLE_KINDS)}),
  calibrator      TEXT,
  ms_id           INTEGER REFERENCES measurement_sets (id) ON DELETE SET NULL,
  ref_ant         TEXT,
  solve_mjd       REAL NOT NULL,
  valid_start_mjd REAL NOT NULL,
  valid_end_mjd   REAL NOT NULL,
  params_json     TEXT NOT NULL DEFAULT '{}' ${json('params_json')},
  qa_json         TEXT NOT NULL DEFAULT '{}' ${json('qa_json')},
  status          TEXT NOT NULL CHECK (${oneOf('status', CALTABLE_STATUSES)}),
  created_mjd     REAL NOT NULL,
  CHECK (valid_end_mjd >= valid_start_mjd)
);
CREATE INDEX caltables_by_validity ON caltables (kind, status, valid_start_mjd, valid_end_mjd);
CREATE INDEX caltables_by_ms ON caltables (ms_id);

CREATE TABLE images (
  id                INTEGER PRIMARY KEY,
  path              TEXT NOT NULL UNIQUE,
  ms_id             INTEGER REFERENCES measurement_sets (id) ON DELETE SET NULL,
  kind              TEXT NOT NULL CHECK (${oneOf('kind', IMAGE_KINDS)}),
  beam_major_arcsec REAL,
  beam_minor_arcsec REAL,
  beam_pa_deg       REAL,
  rms_jy            REAL CHECK (rms_jy IS NULL OR rms_jy >= 0),
  peak_jy           REAL,
  dynamic_range     REAL,
  center_ra_deg     REAL NOT NULL ${ra('center_ra_deg', false)},
  center_dec_deg    REAL NOT NULL ${dec('center_dec_deg', false)},
  width_px          INTEGER NOT NULL CHECK (width_px > 0),
  height_px         INTEGER NOT NULL CHECK (height_px > 0),
  cell_arcsec       REAL NOT NULL CHECK (cell_arcsec > 0),
  freq_hz           REAL NOT NULL CHECK (freq_hz > 0),
  tier              TEXT NOT NULL CHECK (${oneOf('tier', IMAGE_TIERS)}),
  pb_model          TEXT,
  created_mjd       REAL NOT NULL
);
CREATE INDEX images_by_ms ON images (ms_id);
CREATE INDEX images_by_dec ON images (center_dec_deg, center_ra_deg);

CREATE TABLE mosaic_groups (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  dec_deg     REAL NOT NULL ${dec('dec_deg', false)},
  start_mjd   REAL NOT NULL,
  end_mjd     REAL NOT NULL,
  status      TEXT NOT NULL CHECK (${oneOf('status', MOSAIC_GROUP_STATUSES)}),
  created_mjd REAL NOT NULL,
  updated_mjd REAL NOT NULL,
  CHECK (end_mjd >= start_mjd)
);
CREATE INDEX mosaic_groups_by_time ON mosaic_groups (start_mjd);
CREATE INDEX mosaic_groups_by_status ON mosaic_groups (status, start_mjd);

CREATE TABLE mosaic_group_ms (
  group_id INTEGER NOT NULL REFERENCES mosaic_groups (id) ON DELETE CASCADE,
  ms_id    INTEGER NOT NULL REFERENCES measurement_sets (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, ms_id)
);
CREATE INDEX mosaic_group_ms_by_ms ON mosaic_group_ms (ms_id);
CREATE TABLE mosaic_group_images (
  group_id INTEGER NOT NULL REFERENCES mosaic_groups (id) ON DELETE CASCADE,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  PRIMARY KEY (group_id, image_id)
);
CREATE INDEX mosaic_group_images_by_image ON mosaic_group_images (image_id);

CREATE TABLE mosaics (
  id          INTEGER PRIMARY KEY,
  path        TEXT NOT NULL UNIQUE,
  group_id    INTEGER NOT NULL REFERENCES mosaic_groups (id) ON DELETE CASCADE,
  method      TEXT NOT NULL CHECK (${oneOf('method', MOSAIC_METHODS)}),
  n_images    INTEGER NOT NULL CHECK (n_images > 0),
  start_mjd   REAL NOT NULL,
  end_mjd     REAL NOT NULL,
  noise_jy    REAL CHECK (noise_jy IS NULL OR noise_jy >= 0),
  qa_json     TEXT NOT NULL DEFAULT '{}' ${json('qa_json')},
  created_mjd REAL NOT NULL,
  CHECK (end_mjd >= start_mjd)
);
CREATE INDEX mosaics_by_group ON mosaics (group_id);
CREATE INDEX mosaics_by_time ON mosaics (start_mjd);
`;

const v2RegistryAndJobs = `
CREATE TABLE products (
  id             TEXT PRIMARY KEY,
  kind           TEXT NOT NULL CHECK (${oneOf('kind', PRODUCT_KINDS)}),
  path           TEXT NOT NULL UNIQUE,
  sha256         TEXT NOT NULL CHECK (length(sha256) = 64),
  size_bytes     INTEGER NOT NULL CHECK (size_bytes >= 0),
  metadata_json  TEXT NOT NULL DEFAULT '{}' ${json('metadata_json')},
  status         TEXT NOT NULL CHECK (${oneOf('status', PRODUCT_STATUSES)}),
  reviewer       TEXT,
  comment        TEXT,
  created_mjd    REAL NOT NULL,
  updated_mjd    REAL NOT NULL,
  published_path TEXT UNIQUE,
  CHECK (status <> 'published' OR published_path IS NOT NULL)
);
CREATE INDEX products_by_status ON products (status, updated_mjd);
CREATE INDEX products_by_kind ON products (kind, status);

CREATE TABLE product_events (
  id          INTEGER PRIMARY KEY,
  product_id  TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  actor       TEXT NOT NULL,
  at_mjd      REAL NOT NULL,
  from_status TEXT CHECK (from_status IS NULL OR ${oneOf('from_status', PRODUCT_STATUSES)}),
  to_status   TEXT NOT NULL CHECK (${oneOf('to_status', PRODUCT_STATUSES)}),
  note        TEXT
);
CREATE INDEX product_events_by_product ON product_events (product_id, id);

CREATE TABLE jobs (
  id           TEXT PRIMARY KEY,
  kind         TEXT NOT NULL,
  params_json  TEXT NOT NULL DEFAULT '{}' ${json('params_json')},
  state        TEXT NOT NULL CHECK (${oneOf('state', JOB_STATES)}),
  progress     REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
  message      TEXT,
  created_mjd  REAL NOT NULL,
  started_mjd  REAL,
  finished_mjd REAL,
  error        TEXT
);
CREATE INDEX jobs_by_state ON jobs (state, created_mjd);
CREATE INDEX jobs_by_time ON jobs (created_mjd);

CREATE TABLE stage_runs (
  job_id       TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  stage_id     TEXT NOT NULL,
  stage_name   TEXT NOT NULL,
  deps_json    TEXT NOT NULL DEFAULT '[]' ${json('deps_json')},
  state        TEXT NOT NULL CHECK (${oneOf('state', STAGE_STATES)}),
  attempt      INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
  params_json  TEXT NOT NULL DEFAULT '{}' ${json('params_json')},
  outputs_json TEXT ${json('outputs_json')},
  started_mjd  REAL,
  finished_mjd REAL,
  duration_s   REAL CHECK (duration_s IS NULL OR duration_s >= 0),
  error        TEXT,
  pid          INTEGER,
  PRIMARY KEY (job_id, stage_id)
);
CREATE INDEX stage_runs_by_state ON stage_runs (state);

CREATE TABLE job_logs (
  id        INTEGER PRIMARY KEY,
  job_id    TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  stage_id  TEXT,
  level     TEXT NOT NULL CHECK (${oneOf('level', LOG_LEVELS)}),
  time_mjd  REAL NOT NULL,
  message   TEXT NOT NULL,
  data_json TEXT ${json('data_json')}
);
CREATE INDEX job_logs_by_job ON job_logs (job_id, id);

CREATE TABLE sources (
  id             INTEGER PRIMARY KEY,
  name           TEXT NOT NULL,
  catalog        TEXT NOT NULL,
  ra_deg         REAL NOT NULL ${ra('ra_deg', false)},
  dec_deg        REAL NOT NULL ${dec('dec_deg', false)},
  ra_err_arcsec  REAL,
  dec_err_arcsec REAL,
  flux_jy        REAL,
  flux_err_jy    REAL,
  UNIQUE (catalog, name)
);
CREATE INDEX sources_by_position ON sources (dec_deg, ra_deg);

CREATE TABLE photometry (
  id          INTEGER PRIMARY KEY,
  source_id   INTEGER NOT NULL REFERENCES sources (id) ON DELETE CASCADE,
  product_id  TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
  mjd         REAL NOT NULL,
  flux_jy     REAL NOT NULL,
  flux_err_jy REAL NOT NULL CHECK (flux_err_jy >= 0),
  measure     TEXT NOT NULL CHECK (${oneOf('measure', FLUX_MEASURES)}),
  UNIQUE (source_id, product_id, measure)
);
CREATE INDEX photometry_by_source ON photometry (source_id, mjd);
CREATE INDEX photometry_by_product ON photometry (product_id);
`;

const v3QaAndPlans = `
CREATE TABLE qa_results (
  id           INTEGER PRIMARY KEY,
  subject      TEXT NOT NULL CHECK (${oneOf('subject', QA_SUBJECTS)}),
  subject_id   INTEGER NOT NULL,
  product_id   TEXT REFERENCES products (id) ON DELETE SET NULL,
  tier         TEXT NOT NULL CHECK (${oneOf('tier', QA_TIERS)}),
  verdict      TEXT NOT NULL CHECK (${oneOf('verdict', QA_VERDICTS)}),
  metrics_json TEXT NOT NULL DEFAULT '{}' ${json('metrics_json')},
  reasons_json TEXT NOT NULL DEFAULT '[]' ${json('reasons_json')},
  created_mjd  REAL NOT NULL
);
CREATE INDEX qa_results_by_subject ON qa_results (subject, subject_id, id);
CREATE INDEX qa_results_by_product ON qa_results (product_id);

CREATE TABLE mosaic_validations (
  id          INTEGER PRIMARY KEY,
  group_id    INTEGER NOT NULL REFERENCES mosaic_groups (id) ON DELETE CASCADE,
  ok          INTEGER NOT NULL CHECK (ok IN (0, 1)),
  checks_json TEXT NOT NULL DEFAULT '[]' ${json('checks_json')},
  created_mjd REAL NOT NULL
);
CREATE INDEX mosaic_validations_by_group ON mosaic_validations (group_id, id);

CREATE TABLE mosaic_plans (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  params_json TEXT NOT NULL DEFAULT '{}' ${json('params_json')},
  plan_json   TEXT NOT NULL DEFAULT '{}' ${json('plan_json')},
  status      TEXT NOT NULL CHECK (${oneOf('status', PLAN_STATUSES)}),
  job_id      TEXT REFERENCES jobs (id) ON DELETE SET NULL,
  mosaic_id   INTEGER REFERENCES mosaics (id) ON DELETE SET NULL,
  created_mjd REAL NOT NULL,
  updated_mjd REAL NOT NULL
);

CREATE INDEX sources_by_catalog_position ON sources (catalog, dec_deg, ra_deg);
`;

// The VLA list's other names of a calibrator, for name resolution (src/shared/catalog/calibrator-names.ts).
const v4CalibratorNames = `
ALTER TABLE calibrators ADD COLUMN alt_name TEXT;
ALTER TABLE calibrators ADD COLUMN b1950_name TEXT;
`;

// Every action a job: what a job was submitted with is frozen beside it (the request, the
// resolved configuration its stages run with, the client's idempotency key); the timeline's
// coverage summary counts groups by time, declination and state from one covering index.
const v5FrozenJobs = `
ALTER TABLE jobs ADD COLUMN request_json TEXT ${json('request_json')};
ALTER TABLE jobs ADD COLUMN config_json TEXT ${json('config_json')};
ALTER TABLE jobs ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX jobs_by_idempotency_key ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX ingest_groups_by_time_dec_state ON ingest_groups (start_mjd, dec_deg, state);
`;

// Raw-data identity (a subband file is its content, not its path), conflicts between two files
// claiming one subband of one observation, and the workspace's cross-process leases.
const v6IdentityAndLeases = `
ALTER TABLE subband_files ADD COLUMN fingerprint TEXT CHECK (fingerprint IS NULL OR length(fingerprint) = 64);
CREATE UNIQUE INDEX subband_files_by_fingerprint ON subband_files (fingerprint) WHERE fingerprint IS NOT NULL;

CREATE TABLE ingest_conflicts (
  path            TEXT PRIMARY KEY,
  group_id        TEXT NOT NULL REFERENCES ingest_groups (id) ON DELETE CASCADE,
  subband         INTEGER NOT NULL CHECK (subband BETWEEN 0 AND 15),
  fingerprint     TEXT NOT NULL CHECK (length(fingerprint) = 64),
  registered_path TEXT NOT NULL,
  detected_mjd    REAL NOT NULL
);
CREATE INDEX ingest_conflicts_by_group ON ingest_conflicts (group_id);

CREATE TABLE leases (
  name         TEXT PRIMARY KEY,
  purpose      TEXT NOT NULL,
  pid          INTEGER NOT NULL CHECK (pid > 0),
  host         TEXT NOT NULL,
  start        INTEGER,
  token        TEXT NOT NULL,
  acquired_mjd REAL NOT NULL
);
`;

// Streaming (dsa110 stream): the persistent group queue beside the ingest groups (the pipeline
// state of a group, from its first file to its image: attempts, backoff, last error, its job
// and products), the files the watcher refused and why, the daemon's heartbeat and intake
// state (read by `dsa110 stream status` and the metrics of `dsa110 serve`), and the sliding
// mosaic windows it forms.
const v8Stream = `
CREATE TABLE stream_groups (
  group_id          TEXT PRIMARY KEY REFERENCES ingest_groups (id) ON DELETE CASCADE,
  state             TEXT NOT NULL CHECK (${oneOf('state', STREAM_STATES)}),
  attempts          INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_mjd  REAL,
  last_error        TEXT,
  note              TEXT,
  job_id            TEXT,
  ms_path           TEXT,
  image_path        TEXT,
  first_arrival_mjd REAL NOT NULL,
  last_arrival_mjd  REAL NOT NULL,
  started_mjd       REAL,
  finished_mjd      REAL,
  updated_mjd       REAL NOT NULL
);
CREATE INDEX stream_groups_by_state ON stream_groups (state, next_attempt_mjd);

CREATE TABLE stream_rejects (
  path       TEXT PRIMARY KEY,
  reason     TEXT NOT NULL,
  size_bytes INTEGER,
  mtime_ms   REAL,
  seen_mjd   REAL NOT NULL
);

CREATE TABLE stream_daemon (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  pid           INTEGER NOT NULL,
  host          TEXT NOT NULL,
  input_dir     TEXT NOT NULL,
  started_mjd   REAL NOT NULL,
  heartbeat_mjd REAL NOT NULL,
  stopped_mjd   REAL,
  paused        INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1)),
  pause_reason  TEXT,
  free_bytes    INTEGER,
  options_json  TEXT NOT NULL DEFAULT '{}' ${json('options_json')}
);

CREATE TABLE stream_windows (
  name        TEXT PRIMARY KEY,
  dec_deg     REAL NOT NULL ${dec('dec_deg', false)},
  start_mjd   REAL NOT NULL,
  groups_json TEXT NOT NULL ${json('groups_json')},
  state       TEXT NOT NULL CHECK (state IN ('pending', 'in_progress', 'completed', 'failed')),
  job_id      TEXT,
  outcome     TEXT,
  last_error  TEXT,
  created_mjd REAL NOT NULL,
  updated_mjd REAL NOT NULL
);
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'pipeline: ingest, measurement sets, calibration, images, mosaics', sql: v1Pipeline },
  { version: 2, name: 'products registry, jobs and stage runs, sources and photometry', sql: v2RegistryAndJobs },
  { version: 3, name: 'QA results, mosaic tile validations, batch mosaic plans', sql: v3QaAndPlans },
  { version: 4, name: 'calibrator alternate and B1950 names', sql: v4CalibratorNames },
  { version: 5, name: 'jobs: frozen request, configuration and idempotency key; coverage index', sql: v5FrozenJobs },
  { version: 6, name: 'raw-data identity and conflicts, workspace leases', sql: v6IdentityAndLeases },
  { version: 8, name: 'streaming: group queue, refused files, daemon state, mosaic windows', sql: v8Stream },
  { version: 9, name: 'photometry: epochs, measurements, associated sources and relations', sql: v9Photometry },
];

export const LATEST_VERSION = MIGRATIONS.reduce((m, x) => Math.max(m, x.version), 0);
