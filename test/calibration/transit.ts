// A calibrator transit simulated in memory with the simulator's own pieces (array, predictor,
// corruptions), as a CalBlock in shared buffers plus the truth: gains per integration,
// bandpass per channel, dead antennas, RFI parameters.
import {
  CHUNK_S,
  INTEGRATIONS_PER_CHUNK,
  INTEGRATION_S,
  bandFrequencies,
  beamModel,
  subbandLayout,
} from '../../src/shared/instrument';
import { transitMjd } from '../../src/shared/astro';
import type { NativePool } from '../../src/main/engine/native/pool';
import { activeStations, meridianUvw, simArray } from '../../src/main/engine/sim/array';
import {
  type BandpassParams,
  type GainParams,
  type RfiParams,
  DEFAULT_CORRUPTIONS,
  bandpassAt,
  drawBandpassParams,
  drawGainParams,
  drawRfiParams,
  gainAt,
  visibilityNoiseSigma,
} from '../../src/main/engine/sim/corruptions';
import { simulateSubband } from '../../src/main/engine/sim/predict';
import { Rng } from '../../src/main/engine/sim/rng';
import type { SkySource } from '../../src/main/engine/sim/sky';
import type { CalBlock } from '../../src/main/engine/calibration/solve';
import {
  type FieldGeometry,
  type ModelSource,
  apparentDirection,
  driftScanCentres,
} from '../../src/main/engine/calibration/model';

/** 0834+555 as the curated calibrator list has it (VLA position, 8.8 Jy at 20 cm, alpha -0.363). */
export const CAL_0834: ModelSource = {
  name: '0834+555',
  raDeg: 128.728767154,
  decDeg: 55.572519717,
  fluxJy: 8.8,
  spectralIndex: -0.363,
};

export interface TransitOptions {
  antennas: number;
  channelsPerSubband: number;
  dead: number;
  rfi: boolean;
  seed: number;
  /** Extra sources besides the calibrator. */
  others?: SkySource[];
  /** Skip the calibrator (a field with no bright source). */
  noCalibrator?: boolean;
}

export interface Transit {
  block: CalBlock;
  geom: FieldGeometry;
  stations: number[];
  /** Antenna numbers (station - 1) of the dead antennas. */
  dead: number[];
  gains: GainParams[][];
  bandpasses: BandpassParams[][];
  bandLoHz: number;
  bandHiHz: number;
  startMjd: number;
  sigmaJy: number;
  channelWidthHz: number;
  rfi: RfiParams | null;
  /** Truth J (complex) of active antenna index a, pol p, at time index t and channel c. */
  jones(a: number, p: number, t: number, c: number): [number, number];
}

function sharedCopy<T extends Float32Array | Uint8Array>(src: T): T {
  const ctor = src.constructor as { new (b: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };
  const out = new ctor(new SharedArrayBuffer(src.length * ctor.BYTES_PER_ELEMENT));
  out.set(src);
  return out;
}

/** One 5-minute chunk centred on the calibrator's transit, pointing at its declination of date. */
export async function simulateTransit(pool: NativePool, o: TransitOptions): Promise<Transit> {
  const ra = (CAL_0834.raDeg * Math.PI) / 180;
  const dec = (CAL_0834.decDeg * Math.PI) / 180;
  const transit = transitMjd(ra, dec, 61055.4);
  const startMjd = transit - CHUNK_S / 2 / 86400;
  const decOfDate = apparentDirection(CAL_0834, transit).decRad;
  const stations = activeStations(o.antennas);
  const arr = simArray(stations);
  const idx = new Map(stations.map((s, i) => [s - 1, i]));
  const antIndex1 = Int32Array.from(arr.ant1, (a) => idx.get(a) as number);
  const antIndex2 = Int32Array.from(arr.ant2, (a) => idx.get(a) as number);
  const uvw = meridianUvw(arr, decOfDate);
  const nbl = arr.ant1.length;
  const times = Float64Array.from(
    { length: INTEGRATIONS_PER_CHUNK },
    (_, t) => startMjd + ((t + 0.5) * INTEGRATION_S) / 86400,
  );
  const nchanSb = o.channelsPerSubband;
  const freqs = bandFrequencies(nchanSb);
  const width = subbandLayout(0, nchanSb).channelWidthHz;
  const bandLo = Math.min(...freqs) - width / 2;
  const bandHi = Math.max(...freqs) + width / 2;
  const root = new Rng(o.seed, 'calibration-test');
  const gr = root.fork('gains');
  const br = root.fork('bandpass');
  const gains = stations.map(() => [drawGainParams(gr), drawGainParams(gr)]);
  const bandpasses = stations.map(() => [drawBandpassParams(br), drawBandpassParams(br)]);
  // Never the first reference antennas (stations 104, 105): the test should not depend on the chain's fallback.
  const candidates = stations.map((_, i) => i).filter((i) => stations[i] !== 104 && stations[i] !== 105);
  const deadIdx = root
    .fork('dead')
    .sample(candidates.length, o.dead)
    .map((k) => candidates[k] as number);
  const rfi = o.rfi ? drawRfiParams(root.fork('rfi'), bandLo, bandHi, CHUNK_S / 3600) : null;
  const sigma = visibilityNoiseSigma(DEFAULT_CORRUPTIONS.sefdJy, width, INTEGRATION_S);
  const sources: SkySource[] = [
    ...(o.noCalibrator ? [] : [{ ...CAL_0834, kind: 'calibrator' as const }]),
    ...(o.others ?? []),
  ];
  const sim = await simulateSubband(
    {
      antIndex1,
      antIndex2,
      uvw,
      timesMjd: times,
      integrationS: INTEGRATION_S,
      freqsHz: freqs,
      channelWidthHz: width,
      decOfDateRad: decOfDate,
      sources,
      beam: beamModel('airy'),
      minApparentJy: 0,
      gains,
      bandpasses,
      bandLoHz: bandLo,
      bandHiHz: bandHi,
      epochMjd: startMjd,
      dead: new Set(deadIdx),
      flaggedChannels: new Set([5, 77]),
      noiseSigmaJy: sigma,
      sefdJy: DEFAULT_CORRUPTIONS.sefdJy,
      rfi,
      smearing: false,
      rng: new Rng(o.seed, 'noise'),
      threads: pool.workers,
    },
    pool,
  );
  const rows = sim.rows;
  const rowTime = Int32Array.from({ length: rows }, (_, r) => Math.floor(r / nbl));
  const rowUvw = new Float64Array(rows * 3);
  for (let r = 0; r < rows; r++) rowUvw.set(uvw.subarray(3 * (r % nbl), 3 * (r % nbl) + 3), 3 * r);
  const ant1 = Int32Array.from({ length: rows }, (_, r) => arr.ant1[r % nbl] as number);
  const ant2 = Int32Array.from({ length: rows }, (_, r) => arr.ant2[r % nbl] as number);
  const block: CalBlock = {
    vis: sharedCopy(sim.vis),
    flags: sharedCopy(sim.flags),
    weights: null,
    ant1,
    ant2,
    nant: Math.max(...stations),
    freqsHz: freqs,
    npol: 2,
    timesMjd: times,
    rowTime,
  };
  const centres = driftScanCentres(times, decOfDate);
  const geom: FieldGeometry = {
    timesMjd: times,
    rowTime,
    uvw: rowUvw,
    freqsHz: freqs,
    npol: 2,
    phaseCentres: centres,
    pointings: centres,
  };
  const jones = (a: number, p: number, t: number, c: number): [number, number] => {
    const [gr_, gi] = gainAt(gains[a]![p]!, ((times[t] as number) - startMjd) * 24);
    const [br_, bi] = bandpassAt(bandpasses[a]![p]!, freqs[c] as number, bandLo, bandHi);
    return [gr_ * br_ - gi * bi, gr_ * bi + gi * br_];
  };
  return {
    block,
    geom,
    stations,
    dead: deadIdx.map((i) => (stations[i] as number) - 1),
    gains,
    bandpasses,
    bandLoHz: bandLo,
    bandHiHz: bandHi,
    startMjd,
    sigmaJy: sigma,
    channelWidthHz: width,
    rfi,
    jones,
  };
}
