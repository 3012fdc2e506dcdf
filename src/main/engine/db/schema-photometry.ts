// Migration 9: science products. Every measurement of an image or mosaic (forced photometry at
// reference-catalog positions, and the QA finder's components) with the epoch it came from (the
// image, its time, calibration and the parameters used); the sources they are associated into,
// with their variability; and the association's one-to-many and many-to-one relations.
export const v9Photometry = `
CREATE TABLE phot_epochs (
  id                INTEGER PRIMARY KEY,
  path              TEXT NOT NULL UNIQUE,
  subject           TEXT NOT NULL CHECK (subject IN ('image', 'mosaic', 'file')),
  image_id          INTEGER REFERENCES images (id) ON DELETE SET NULL,
  mosaic_id         INTEGER REFERENCES mosaics (id) ON DELETE SET NULL,
  product_id        TEXT REFERENCES products (id) ON DELETE SET NULL,
  mjd               REAL NOT NULL,
  freq_hz           REAL NOT NULL CHECK (freq_hz > 0),
  beam_major_arcsec REAL NOT NULL CHECK (beam_major_arcsec > 0),
  beam_minor_arcsec REAL NOT NULL CHECK (beam_minor_arcsec > 0),
  beam_pa_deg       REAL NOT NULL,
  center_ra_deg     REAL NOT NULL CHECK (center_ra_deg >= 0 AND center_ra_deg < 360),
  center_dec_deg    REAL NOT NULL CHECK (center_dec_deg BETWEEN -90 AND 90),
  radius_deg        REAL NOT NULL CHECK (radius_deg > 0),
  noise_jy          REAL CHECK (noise_jy IS NULL OR noise_jy >= 0),
  pb_corrected      INTEGER NOT NULL CHECK (pb_corrected IN (0, 1)),
  pb_applied        INTEGER NOT NULL CHECK (pb_applied IN (0, 1)),
  pb_path           TEXT,
  noise_path        TEXT,
  pb_cut            REAL,
  catalog           TEXT,
  calibration_json  TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(calibration_json)),
  params_json       TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params_json)),
  n_forced          INTEGER NOT NULL DEFAULT 0,
  n_components      INTEGER NOT NULL DEFAULT 0,
  created_mjd       REAL NOT NULL
);
CREATE INDEX phot_epochs_by_time ON phot_epochs (mjd);
CREATE INDEX phot_epochs_by_dec ON phot_epochs (center_dec_deg);

CREATE TABLE phot_sources (
  id                INTEGER PRIMARY KEY,
  name              TEXT NOT NULL UNIQUE,
  ref_source_id     INTEGER REFERENCES sources (id) ON DELETE SET NULL,
  ra_deg            REAL NOT NULL CHECK (ra_deg >= 0 AND ra_deg < 360),
  dec_deg           REAL NOT NULL CHECK (dec_deg BETWEEN -90 AND 90),
  ra_err_arcsec     REAL,
  dec_err_arcsec    REAL,
  n_detections      INTEGER NOT NULL DEFAULT 0,
  n_forced          INTEGER NOT NULL DEFAULT 0,
  first_mjd         REAL,
  last_mjd          REAL,
  is_new            INTEGER NOT NULL DEFAULT 0 CHECK (is_new IN (0, 1)),
  new_sigma         REAL,
  wmean_peak_jy     REAL,
  wmean_peak_err_jy REAL,
  wmean_int_jy      REAL,
  eta_peak          REAL,
  v_peak            REAL,
  eta_int           REAL,
  v_int             REAL,
  vs_max            REAL,
  m_at_vs_max       REAL,
  significant_pairs INTEGER NOT NULL DEFAULT 0,
  candidate         INTEGER NOT NULL DEFAULT 0 CHECK (candidate IN (0, 1)),
  significance      REAL,
  updated_mjd       REAL NOT NULL
);
CREATE INDEX phot_sources_by_position ON phot_sources (dec_deg, ra_deg);
CREATE INDEX phot_sources_by_ref ON phot_sources (ref_source_id);
CREATE INDEX phot_sources_candidates ON phot_sources (candidate, significance);

CREATE TABLE phot_measurements (
  id             INTEGER PRIMARY KEY,
  epoch_id       INTEGER NOT NULL REFERENCES phot_epochs (id) ON DELETE CASCADE,
  kind           TEXT NOT NULL CHECK (kind IN ('forced', 'component')),
  source_id      INTEGER REFERENCES phot_sources (id) ON DELETE SET NULL,
  ra_deg         REAL NOT NULL,
  dec_deg        REAL NOT NULL,
  ra_err_arcsec  REAL,
  dec_err_arcsec REAL,
  peak_jy        REAL NOT NULL,
  peak_err_jy    REAL NOT NULL CHECK (peak_err_jy >= 0),
  int_jy         REAL NOT NULL,
  int_err_jy     REAL NOT NULL CHECK (int_err_jy >= 0),
  noise_jy       REAL NOT NULL,
  snr            REAL NOT NULL,
  pb_response    REAL,
  maj_arcsec     REAL,
  min_arcsec     REAL,
  pa_deg         REAL,
  flags          INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX phot_measurements_by_epoch ON phot_measurements (epoch_id);
CREATE INDEX phot_measurements_by_source ON phot_measurements (source_id, epoch_id);

CREATE TABLE phot_relations (
  source_id  INTEGER NOT NULL REFERENCES phot_sources (id) ON DELETE CASCADE,
  related_id INTEGER NOT NULL REFERENCES phot_sources (id) ON DELETE CASCADE,
  kind       TEXT NOT NULL CHECK (kind IN ('one-to-many', 'many-to-one')),
  epoch_id   INTEGER NOT NULL REFERENCES phot_epochs (id) ON DELETE CASCADE,
  PRIMARY KEY (source_id, related_id, kind, epoch_id)
);
CREATE INDEX phot_relations_by_related ON phot_relations (related_id);
`;
