// Canned, contract-valid data for the renderer acceptance test: an afternoon of DSA-110 drift
// scans at Dec +54.57 shortly before 0834+555 transits (phase centres follow the LST).
import type { AppInfo, CalibratorMatch } from '../../src/shared/api';
import type {
  Image,
  IngestGroup,
  Job,
  JobLogLine,
  MeasurementSet,
  Product,
  ProductEvent,
  StageRun,
} from '../../src/shared/model';
import { lstHours } from '../../src/renderer/lib/sky';

/** 2025-10-02 15:30 UTC (LST about 8h24m); the browser's clock is set just after it. */
export const T0 = 60950 + 15.5 / 24;
const SHA = 'c0ffee'.padEnd(64, '0');
const min = 1 / 1440;
const SIDEREAL_PER_SOLAR = 1.00273790935;

/** `2025-10-02T15:24:11` for a time some minutes before T0 (file-name timestamps). */
function stamp(minutesAgo: number, seconds = 0): string {
  return new Date((T0 - minutesAgo * min - 40587) * 86_400_000 + seconds * 1000).toISOString().slice(0, 19);
}
const dashed = (t: string) => t.replace(/:/g, '-');

export const GROUP_DONE = stamp(6, 11);
export const GROUP_FAILED = stamp(11, 2);
export const GROUP_COLLECTING = stamp(1, 20);
export const RUNNING_JOB = `img-${dashed(GROUP_DONE)}`;
export const FAILED_JOB = `conv-${dashed(GROUP_FAILED)}`;
export const PASSED_IMAGE = `image_${dashed(stamp(16))}.fits`;
export const FAILED_MOSAIC = `mosaic_${dashed(stamp(30)).slice(0, 13)}.fits`;

/** MJD of the next upper transit of an RA over DSA-110 after T0. */
function nextTransit(raDeg: number): number {
  const hours = (((raDeg / 15 - lstHours(T0)) % 24) + 24) % 24;
  return T0 + hours / SIDEREAL_PER_SOLAR / 24;
}

export interface FakeData {
  appInfo: AppInfo;
  jobs: Job[];
  stages: StageRun[];
  logs: JobLogLine[];
  groups: IngestGroup[];
  ms: MeasurementSet[];
  images: Image[];
  products: Product[];
  productEvents: ProductEvent[];
  calibrators: CalibratorMatch[];
}

function job(
  id: string,
  kind: string,
  state: Job['state'],
  progress: number,
  minutesAgo: number,
  message: string | null = null,
  error: string | null = null,
): Job {
  const created = T0 - minutesAgo * min;
  return {
    id,
    kind,
    params: {},
    state,
    progress,
    message,
    createdMjd: created,
    startedMjd: state === 'queued' ? null : created + 0.5 * min,
    finishedMjd: ['succeeded', 'failed', 'cancelled'].includes(state) ? created + 6 * min : null,
    error,
  };
}

function ms(
  id: number,
  group: string,
  minutesAgo: number,
  status: MeasurementSet['status'],
  flagged: number,
): MeasurementSet {
  const start = T0 - minutesAgo * min;
  // A meridian drift scan: phase centre RA = LST at mid-time, Dec = pointing.
  const ra = lstHours(start + 154.5 / 86400) * 15;
  return {
    id,
    path: `/data/dsa110/ms/${group}.ms`,
    groupId: group,
    startMjd: start,
    endMjd: start + 309 / 86400,
    midMjd: start + 154.5 / 86400,
    decDeg: 54.57,
    phaseCenterRaDeg: ra,
    phaseCenterDecDeg: 54.57,
    nAntennas: 96,
    nSpws: 16,
    nRows: 1_787_904,
    status,
    stage: status === 'imaged' ? 'image' : 'applycal',
    flaggedFraction: flagged,
    createdMjd: start + 6 * min,
    updatedMjd: start + 12 * min,
  };
}

function product(
  id: string,
  kind: Product['kind'],
  status: Product['status'],
  minutesAgo: number,
  metadata: Product['metadata'],
): Product {
  return {
    id,
    kind,
    path: `/data/dsa110/products/${id}`,
    sha256: SHA,
    sizeBytes: 67_108_864,
    metadata,
    status,
    reviewer: null,
    comment: null,
    createdMjd: T0 - minutesAgo * min,
    updatedMjd: T0 - (minutesAgo - 2) * min,
    publishedPath: null,
  };
}

export const fakeData: FakeData = {
  appInfo: {
    appName: 'dsa110-contimg-desktop',
    version: '0.1.0',
    runtime: 'electron',
    platform: 'linux x64',
    versions: { node: '22.18.0', electron: '42.11.18' },
    workspace: '/data/dsa110',
    startedMjd: T0 - 120 * min,
  },
  jobs: [
    job(RUNNING_JOB, 'imaging', 'running', 0.42, 6, 'wsclean major cycle 2/5'),
    job('cal-0834p555-20251001', 'calibration', 'succeeded', 1, 40),
    job(FAILED_JOB, 'conversion', 'failed', 0.61, 12, null, 'sb07 missing: 15 of 16 subbands present'),
    job(`mosaic-${dashed(stamp(1)).slice(0, 13)}`, 'mosaic', 'queued', 0, 1),
  ],
  stages: [
    {
      jobId: RUNNING_JOB,
      stageId: 'applycal',
      stageName: 'applycal',
      deps: [],
      state: 'succeeded',
      attempt: 1,
      params: {},
      outputs: {},
      startedMjd: T0 - 5.5 * min,
      finishedMjd: T0 - 4.8 * min,
      durationS: 42,
      error: null,
      pid: 4242,
    },
    {
      jobId: RUNNING_JOB,
      stageId: 'image',
      stageName: 'wsclean',
      deps: ['applycal'],
      state: 'running',
      attempt: 1,
      params: {},
      outputs: null,
      startedMjd: T0 - 4.8 * min,
      finishedMjd: null,
      durationS: null,
      error: null,
      pid: 4242,
    },
  ],
  logs: [
    {
      id: 1,
      jobId: RUNNING_JOB,
      stageId: 'applycal',
      level: 'info',
      timeMjd: T0 - 5.4 * min,
      message: 'applied B and Gap tables from cal-0834p555-20251001',
      data: null,
    },
    {
      id: 2,
      jobId: RUNNING_JOB,
      stageId: 'image',
      level: 'info',
      timeMjd: T0 - 4.7 * min,
      message: 'wsclean -size 2048 2048 -scale 6asec -weight briggs 0 -niter 1000',
      data: null,
    },
  ],
  groups: [
    {
      id: GROUP_DONE,
      state: 'completed',
      expectedSubbands: 16,
      presentSubbands: 16,
      attempts: 1,
      lastError: null,
      decDeg: 54.57,
      startMjd: T0 - 6 * min + 11 / 86400,
      endMjd: T0 - 0.85 * min,
      createdMjd: T0 - 6 * min,
      updatedMjd: T0 - 1 * min,
    },
    {
      id: GROUP_FAILED,
      state: 'failed',
      expectedSubbands: 16,
      presentSubbands: 15,
      attempts: 2,
      lastError: 'sb07 missing after 600 s',
      decDeg: 54.57,
      startMjd: T0 - 11 * min + 2 / 86400,
      endMjd: null,
      createdMjd: T0 - 11 * min,
      updatedMjd: T0 - 2 * min,
    },
    {
      id: GROUP_COLLECTING,
      state: 'collecting',
      expectedSubbands: 16,
      presentSubbands: 9,
      attempts: 0,
      lastError: null,
      decDeg: 54.57,
      startMjd: T0 - 1 * min + 20 / 86400,
      endMjd: null,
      createdMjd: T0 - 0.7 * min,
      updatedMjd: T0 - 0.1 * min,
    },
  ],
  ms: [
    ms(3, GROUP_DONE, 6, 'imaged', 0.082),
    ms(2, stamp(16), 16, 'calibrated', 0.074),
    ms(1, stamp(21, 8), 21, 'converted', 0.091),
  ],
  images: [
    {
      id: 1,
      path: `/data/dsa110/images/${stamp(16)}-image.fits`,
      msId: 2,
      kind: 'clean',
      beamMajorArcsec: 15.2,
      beamMinorArcsec: 11.8,
      beamPaDeg: -12,
      rmsJy: 0.0011,
      peakJy: 8.6,
      dynamicRange: 7800,
      centerRaDeg: lstHours(T0 - 16 * min + 154.5 / 86400) * 15,
      centerDecDeg: 54.57,
      widthPx: 2048,
      heightPx: 2048,
      cellArcsec: 6,
      freqHz: 1.405e9,
      tier: 'science',
      pbModel: 'airy-4.65m',
      createdMjd: T0 - 8 * min,
    },
  ],
  products: [
    product(PASSED_IMAGE, 'image', 'qa_passed', 8, {
      rmsJy: 0.0011,
      dynamicRange: 7800,
      nvssFluxRatio: 0.97,
      astrometryRmsArcsec: 1.8,
    }),
    product(FAILED_MOSAIC, 'mosaic', 'qa_failed', 30, { rmsJy: 0.0009, completeness: 0.61, nImages: 10 }),
    product('cal-0834p555-20251001.B', 'caltable', 'qa_passed', 40, { flaggedPct: 6.2, refAnt: 'DSA-104' }),
  ],
  productEvents: [
    {
      id: 1,
      productId: PASSED_IMAGE,
      actor: 'pipeline',
      atMjd: T0 - 8 * min,
      fromStatus: null,
      toStatus: 'staging',
      note: null,
    },
    {
      id: 2,
      productId: PASSED_IMAGE,
      actor: 'pipeline',
      atMjd: T0 - 6 * min,
      fromStatus: 'staging',
      toStatus: 'qa_passed',
      note: 'DR 7800, NVSS flux ratio 0.97',
    },
  ],
  calibrators: [
    {
      calibrator: {
        name: '0834+555',
        raDeg: 128.72876715,
        decDeg: 55.57252,
        flux1400Jy: 8.8,
        spectralIndex: -0.7,
        catalog: 'vla',
        positionCode: 'A',
        uvMinKlambda: null,
        uvMaxKlambda: null,
      },
      decOffsetDeg: 1.0025,
      beamWeightedFluxJy: 4.9,
      beamModel: 'airy-4.65m',
      nextTransitMjd: nextTransit(128.72876715),
    },
    {
      calibrator: {
        name: '0804+499',
        raDeg: 121.1385,
        decDeg: 49.8543,
        flux1400Jy: 1.6,
        spectralIndex: -0.7,
        catalog: 'vla',
        positionCode: 'A',
        uvMinKlambda: null,
        uvMaxKlambda: null,
      },
      decOffsetDeg: 4.7157,
      beamWeightedFluxJy: 0.02,
      beamModel: 'airy-4.65m',
      nextTransitMjd: nextTransit(121.1385),
    },
  ],
};
