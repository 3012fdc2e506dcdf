// Writes one or more rows through every repository of the state database; shared by the
// round-trip and migration tests. Returns everything it wrote, as the repositories returned it.
import type { Database } from '../../src/main/engine/db';

const SHA = 'ab'.repeat(32);
/** 2025-10-02T14:03:07 UTC as MJD. */
export const T0 = 60950.585497685185;

export function populate(db: Database) {
  const group = db.ingest.ensureGroup({ id: '2025-10-02T14:03:07', startMjd: T0 });
  for (let sb = 0; sb < 16; sb++) {
    db.ingest.addFile({
      path: `/data/incoming/2025-10-02T14:03:${String(7 + (sb % 3)).padStart(2, '0')}_sb${String(sb).padStart(2, '0')}.hdf5`,
      groupId: group.id,
      subband: sb,
      startMjd: T0 + (sb % 3) / 86400,
      decDeg: 54.57,
      sizeBytes: 85_000_000 + sb,
      mtimeMjd: T0 + 0.004,
      checksumSha256: sb === 0 ? SHA : null,
    });
  }
  const claimed = db.ingest.claimNextPending();
  const completedGroup = db.ingest.setGroupState(group.id, 'completed', { endMjd: T0 + 309 / 86400 });

  const ms = db.ms.insert({
    path: '/data/ms/2025-10-02T14:03:07.ms',
    groupId: group.id,
    startMjd: T0,
    endMjd: T0 + 309.2 / 86400,
    midMjd: T0 + 154.6 / 86400,
    decDeg: 54.57,
    phaseCenterRaDeg: 128.73,
    phaseCenterDecDeg: 54.57,
    nAntennas: 96,
    nSpws: 16,
    nRows: 1_787_904,
    status: 'converted',
    flaggedFraction: 0.12,
  });
  const msCal = db.ms.update(ms.id, { status: 'calibrated', stage: 'applycal' });

  const cal = db.calibration.upsertCalibrator({
    name: '0834+555',
    raDeg: 128.72876715,
    decDeg: 55.5725197,
    flux1400Jy: 8.8,
    spectralIndex: -0.7,
    catalog: 'vla',
    positionCode: 'A',
    uvMinKlambda: null,
    uvMaxKlambda: 40,
  });
  const bp = db.calibration.insertTable({
    path: '/data/cal/0834+555.B',
    kind: 'B',
    calibrator: cal.name,
    msId: ms.id,
    refAnt: '104',
    solveMjd: T0,
    validStartMjd: T0 - 0.5,
    validEndMjd: T0 + 0.5,
    params: { solint: 'inf', minsnr: 3 },
    qa: { flaggedFraction: 0.08, antennas: [104, 105] },
    status: 'valid',
  });
  const gp = db.calibration.insertTable({
    path: '/data/cal/0834+555.Gp',
    kind: 'Gp',
    calibrator: cal.name,
    msId: ms.id,
    refAnt: '104',
    solveMjd: T0,
    validStartMjd: T0 - 1 / 24,
    validEndMjd: T0 + 1 / 24,
  });

  const image = db.images.insertImage({
    path: '/data/images/2025-10-02T14:03:07-image.fits',
    msId: ms.id,
    kind: 'clean',
    beamMajorArcsec: 15.2,
    beamMinorArcsec: 11.8,
    beamPaDeg: -12.5,
    rmsJy: 0.0012,
    peakJy: 8.1,
    dynamicRange: 6750,
    centerRaDeg: 128.73,
    centerDecDeg: 54.57,
    widthPx: 2048,
    heightPx: 2048,
    cellArcsec: 6,
    freqHz: 1.405e9,
    tier: 'science',
    pbModel: 'airy-4.65m',
  });
  const imageMeasured = db.images.updateImage(image.id, { rmsJy: 0.0011 });
  const mgroup = db.images.insertMosaicGroup({
    name: 'dec54.57-60950.58',
    memberMsIds: [ms.id],
    memberImageIds: [image.id],
    decDeg: 54.57,
    startMjd: T0,
    endMjd: T0 + 50 / 1440,
  });
  const mgroupReady = db.images.setMosaicGroupStatus(mgroup.id, 'ready');
  const mosaic = db.images.insertMosaic({
    path: '/data/mosaics/dec54.57-60950.58.fits',
    groupId: mgroup.id,
    method: 'pbweighted',
    nImages: 1,
    startMjd: T0,
    endMjd: T0 + 50 / 1440,
    noiseJy: 0.0009,
    qa: { astrometryRmsArcsec: 0.7 },
  });

  db.products.register(
    {
      id: 'dec54.57-60950.58',
      kind: 'mosaic',
      path: mosaic.path,
      sha256: SHA,
      sizeBytes: 16_777_216,
      metadata: { beam: [15.2, 11.8, -12.5], pbModel: 'airy-4.65m' },
    },
    'pipeline',
  );
  db.products.transition('dec54.57-60950.58', 'qa_passed', { actor: 'pipeline', note: 'dynamic range 6750' });
  db.products.transition('dec54.57-60950.58', 'approved', { actor: 'alice', note: 'looks clean' });
  const product = db.products.transition('dec54.57-60950.58', 'published', {
    actor: 'alice',
    publishedPath: '/archive/mosaics/dec54.57-60950.58.fits',
  });
  const events = db.products.events(product.id);

  const job = db.jobs.create({
    id: 'job-populate-1',
    kind: 'calibrate',
    params: { group: group.id },
    stages: [
      { stageId: 'solve', stageName: 'bandpass', deps: [], params: { refant: '104' } },
      { stageId: 'apply', stageName: 'applycal', deps: ['solve'], params: {} },
    ],
  });
  db.jobs.startStageRun(job.id, 'solve', 4242);
  db.jobs.updateStageRun(job.id, 'solve', {
    state: 'succeeded',
    outputs: { table: bp.path },
    finishedMjd: T0 + 0.001,
    durationS: 31.5,
  });
  const jobDone = db.jobs.update(job.id, { state: 'running', progress: 0.5, message: 'applying', startedMjd: T0 });
  db.jobs.appendLog({
    jobId: job.id,
    stageId: 'solve',
    level: 'info',
    message: 'bandpass solved',
    data: { flagged: 0.08 },
  });
  db.jobs.appendLog({ jobId: job.id, level: 'warn', message: 'antenna 17 flagged' });
  const stageRuns = db.jobs.stageRuns(job.id);
  const logs = db.jobs.logs(job.id);

  const source = db.sources.upsertSource({
    name: 'J083454+553421',
    catalog: 'NVSS',
    raDeg: 128.7287,
    decDeg: 55.5725,
    fluxJy: 8.5,
    fluxErrJy: 0.25,
    raErrArcsec: 0.5,
    decErrArcsec: 0.6,
  });
  const phot = db.sources.addPhotometry({
    sourceId: source.id,
    productId: product.id,
    mjd: T0 + 25 / 1440,
    fluxJy: 8.3,
    fluxErrJy: 0.01,
    measure: 'peak',
  });

  return {
    claimed,
    group: completedGroup,
    files: db.ingest.filesOfGroup(group.id),
    ms: msCal,
    calibrator: cal,
    caltables: [db.calibration.requireTable(bp.id), db.calibration.requireTable(gp.id)],
    image: imageMeasured,
    mosaicGroup: mgroupReady,
    mosaic,
    product,
    events,
    job: jobDone,
    stageRuns,
    logs,
    source,
    photometry: [phot],
  };
}

export type Populated = ReturnType<typeof populate>;

/** Read back, by key, everything `populate` wrote. */
export function readBack(db: Database, p: Populated): Omit<Populated, 'claimed'> {
  return {
    group: db.ingest.requireGroup(p.group.id),
    files: db.ingest.filesOfGroup(p.group.id),
    ms: db.ms.require(p.ms.id),
    calibrator: db.calibration.requireCalibrator(p.calibrator.name),
    caltables: db.calibration.listTables({ msId: p.ms.id }),
    image: db.images.requireImage(p.image.id),
    mosaicGroup: db.images.requireMosaicGroup(p.mosaicGroup.id),
    mosaic: db.images.requireMosaic(p.mosaic.id),
    product: db.products.require(p.product.id),
    events: db.products.events(p.product.id),
    job: db.jobs.require(p.job.id),
    stageRuns: db.jobs.stageRuns(p.job.id),
    logs: db.jobs.logs(p.job.id),
    source: db.sources.requireSource(p.source.id),
    photometry: db.sources.photometryOf(p.source.id),
  };
}
