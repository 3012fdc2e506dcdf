// The DSA-110 simulator: 16 UVH5 subband files per ~309 s chunk, named and laid out like the
// correlator's, for a point-source sky with the instrument's corruptions, plus a truth file.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  ARRAY_CENTRE,
  CHUNK_S,
  INTEGRATIONS_PER_CHUNK,
  INTEGRATION_S,
  SUBBAND_COUNT,
  bandFrequencies,
  beamModel,
  subbandLayout,
} from '../../../shared/instrument';
import { formatIsoUtc, lastRad, parseIsoUtc } from '../../../shared/astro';
import curated from '../../../../resources/calibrators/dsa110_calibrators.json';
import { writeUvh5 } from '../uvh5/writer';
import type { VisibilityBlock } from '../uvh5/model';
import { correlatorFileName } from '../uvh5/filename';
import { activeStations, meridianUvw, simArray } from './array';
import {
  type BandpassParams,
  type CorruptionOptions,
  type GainParams,
  DEFAULT_CORRUPTIONS,
  bandpassAt,
  drawBandpassParams,
  drawGainParams,
  drawRfiParams,
  gainAt,
  visibilityNoiseSigma,
} from './corruptions';
import { type PassBuffers, type VisibleSky, simulatePass, visibleSky } from './predict';
import type { NativePool } from '../native/pool';
import { Rng, hashSeed } from './rng';
import { type SkySource, calibratorsIn, fieldPopulation } from './sky';
import { subbandHeader } from './header';

export interface SimulateOptions {
  outDir: string;
  /** Start of the first chunk (ISO 8601 UTC). */
  start: string;
  minutes: number;
  /** Pointing declination (deg, of date). */
  decDeg: number;
  seed?: number;
  antennas?: number;
  channelsPerSubband?: number;
  /** Replace the default sky (calibrators + random population) with these sources. */
  sources?: SkySource[];
  /** Faint-population flux range (Jy at 1.4 GHz). */
  minFluxJy?: number;
  maxFluxJy?: number;
  /** Skip sources fainter than this after the primary beam (Jy). */
  minApparentJy?: number;
  corruptions?: Partial<CorruptionOptions>;
  beam?: string;
  smearing?: boolean;
  /** Largest offset (s) between the subband files' name timestamps of one chunk. */
  jitterS?: number;
  /** Threads for the native predictor (default: the pool's worker count). */
  threads?: number;
  onProgress?: (done: number, total: number, message: string) => void;
}

export interface SimulatedChunk {
  /** The group id: the earliest file timestamp of the chunk. */
  groupId: string;
  startMjd: number;
  endMjd: number;
  files: string[];
}

export interface SimulationResult {
  outDir: string;
  truthFile: string;
  chunks: SimulatedChunk[];
  sources: SkySource[];
}

export const TRUTH_FILE = 'truth.json';

export async function simulate(opts: SimulateOptions, pool: NativePool): Promise<SimulationResult> {
  const seed = opts.seed ?? 1;
  const nchanSb = opts.channelsPerSubband ?? 8;
  const corr: CorruptionOptions = { ...DEFAULT_CORRUPTIONS, ...opts.corruptions };
  if (!(opts.minutes > 0)) throw new RangeError(`minutes: expected a positive number, got ${opts.minutes}`);
  if (!(opts.decDeg > -50 && opts.decDeg <= 90))
    throw new RangeError(`dec: expected a declination visible from DSA-110 (-50 to 90 deg), got ${opts.decDeg}`);
  const startMjd = parseIsoUtc(opts.start);
  const nChunks = Math.max(1, Math.ceil((opts.minutes * 60) / CHUNK_S - 1e-9));
  const endMjd = startMjd + (nChunks * CHUNK_S) / 86400;
  const dec0 = (opts.decDeg * Math.PI) / 180;
  const beam = beamModel(opts.beam ?? 'airy');
  const root = new Rng(seed, 'dsa110-sim');

  const stations = activeStations(opts.antennas ?? 96);
  const arr = simArray(stations);
  const nant = stations.length;
  const antIndex = new Map(stations.map((s, i) => [s - 1, i]));
  const antIndex1 = Int32Array.from(arr.ant1, (a) => antIndex.get(a) as number);
  const antIndex2 = Int32Array.from(arr.ant2, (a) => antIndex.get(a) as number);
  const uvw = meridianUvw(arr, dec0);

  // The sky: everything within the primary beam's reach of the strip swept during the run.
  const raStart = (lastRad(startMjd, ARRAY_CENTRE.longitudeDeg) * 180) / Math.PI;
  const span = (endMjd - startMjd) * 360 * 1.0027379;
  const reachDeg = 8;
  const raMargin = reachDeg / Math.max(0.05, Math.cos(dec0));
  const region = {
    raMinDeg: raStart - raMargin,
    raMaxDeg: raStart + span + raMargin,
    decMinDeg: Math.max(-90, opts.decDeg - reachDeg),
    decMaxDeg: Math.min(90, opts.decDeg + reachDeg),
  };
  const sources = opts.sources ?? [
    ...calibratorsIn(region, curated.calibrators),
    ...fieldPopulation(region, root.fork('sky'), {
      minFluxJy: opts.minFluxJy ?? 0.02,
      maxFluxJy: opts.maxFluxJy ?? 1.0,
    }),
  ];

  // Corruption parameters, one stream each so switching one off leaves the others unchanged.
  const gainRng = root.fork('gains');
  const bpRng = root.fork('bandpass');
  const gains: GainParams[][] = stations.map(() => [drawGainParams(gainRng), drawGainParams(gainRng)]);
  const bandpasses: BandpassParams[][] = stations.map(() => [drawBandpassParams(bpRng), drawBandpassParams(bpRng)]);
  const deadIdx = root.fork('dead').sample(nant, Math.min(corr.deadAntennas, nant - 2));
  const allFreqs = bandFrequencies(nchanSb);
  const bandLo = Math.min(...allFreqs) - subbandLayout(0, nchanSb).channelWidthHz / 2;
  const bandHi = Math.max(...allFreqs) + subbandLayout(0, nchanSb).channelWidthHz / 2;
  const nFlag = Math.round(corr.flaggedChannelFraction * allFreqs.length);
  const flaggedGlobal = root.fork('flagged-channels').sample(allFreqs.length, nFlag);
  const rfi = corr.rfi ? drawRfiParams(root.fork('rfi'), bandLo, bandHi, (endMjd - startMjd) * 24) : null;
  const jitterRng = root.fork('jitter');
  const sigma = corr.noise
    ? visibilityNoiseSigma(corr.sefdJy, subbandLayout(0, nchanSb).channelWidthHz, INTEGRATION_S)
    : 0;

  mkdirSync(opts.outDir, { recursive: true });
  const refFreqHz = allFreqs[allFreqs.length >> 1] as number;
  const chunkPlans = Array.from({ length: nChunks }, (_, ci) => {
    const chunkStart = startMjd + (ci * CHUNK_S) / 86400;
    const times = Float64Array.from(
      { length: INTEGRATIONS_PER_CHUNK },
      (_, t) => chunkStart + ((t + 0.5) * INTEGRATION_S) / 86400,
    );
    const jitter = Array.from({ length: SUBBAND_COUNT }, () => Math.floor(jitterRng.range(0, (opts.jitterS ?? 3) + 1)));
    const stamps = jitter.map((j) => formatIsoUtc(chunkStart + j / 86400, 0).slice(0, 19));
    return { ci, chunkStart, times, stamps };
  });
  type ChunkPlan = (typeof chunkPlans)[number];
  // The sky's geometry and the RFI phases are shared by every pass of a chunk.
  const chunkInputs = new Map<number, { sky: VisibleSky[]; rfiPhase: Float64Array | null }>();
  const chunkInput = (c: ChunkPlan): { sky: VisibleSky[]; rfiPhase: Float64Array | null } => {
    let v = chunkInputs.get(c.ci);
    if (!v) {
      chunkInputs.clear();
      const rfiRng = new Rng(seed, `rfi-phase/${c.ci}`);
      v = {
        sky: Array.from(c.times, (mjd) => visibleSky(sources, beam, dec0, mjd, refFreqHz, opts.minApparentJy ?? 0.002)),
        rfiPhase: rfi ? Float64Array.from({ length: arr.ant1.length }, () => rfiRng.range(0, 2 * Math.PI)) : null,
      };
      chunkInputs.set(c.ci, v);
    }
    return v;
  };
  // Passes of perPass subbands: the native pass of the next runs while this one's files are written.
  const perPass = Math.max(1, Math.min(SUBBAND_COUNT, Math.floor(PASS_CHANNELS / nchanSb)));
  const passes = chunkPlans.flatMap((c) =>
    Array.from({ length: Math.ceil(SUBBAND_COUNT / perPass) }, (_, k) => {
      const sb0 = k * perPass;
      return { chunk: c, sbs: Array.from({ length: Math.min(perPass, SUBBAND_COUNT - sb0) }, (_, j) => sb0 + j) };
    }),
  );
  // Two sets of output buffers: pass k + 1 fills one while pass k's files are written from the other.
  const buffers: (PassBuffers | undefined)[] = [undefined, undefined];
  const startPass = async (p: (typeof passes)[number], slot: number): Promise<VisibilityBlock[]> => {
    const layouts = p.sbs.map((sb) => subbandLayout(sb, nchanSb));
    const freqs = new Float64Array(p.sbs.length * nchanSb);
    layouts.forEach((l, j) => freqs.set(l.freqsHz, j * nchanSb));
    const sb0 = p.sbs[0] as number;
    const flagged = new Set<number>();
    for (const g of flaggedGlobal)
      if (g >= sb0 * nchanSb && g < (sb0 + p.sbs.length) * nchanSb) flagged.add(g - sb0 * nchanSb);
    const { sky, rfiPhase } = chunkInput(p.chunk);
    const blocks = await simulatePass(
      {
        antIndex1,
        antIndex2,
        nant,
        uvw,
        timesMjd: p.chunk.times,
        integrationS: INTEGRATION_S,
        freqsHz: freqs,
        nsub: p.sbs.length,
        channelWidthHz: layouts[0]!.channelWidthHz,
        sky,
        beam,
        gains: corr.gains ? gains : null,
        bandpasses: corr.bandpass ? bandpasses : null,
        bandLoHz: bandLo,
        bandHiHz: bandHi,
        epochMjd: startMjd,
        dead: new Set(deadIdx),
        flaggedChannels: flagged,
        noiseSigmaJy: sigma,
        sefdJy: corr.sefdJy,
        rfi,
        rfiPhase,
        smearing: opts.smearing ?? false,
        noiseKeys: Int32Array.from(p.sbs, (sb) => hashSeed(seed, `noise/${p.chunk.ci}/${sb}`) | 0),
        threads: opts.threads ?? pool.workers,
      },
      pool,
      buffers[slot],
    );
    buffers[slot] = {
      vis: sharedView(Float32Array, blocks, (b) => b.vis),
      flags: sharedView(Uint8Array, blocks, (b) => b.flags),
    };
    return blocks;
  };

  const files: string[][] = chunkPlans.map(() => []);
  const total = nChunks * SUBBAND_COUNT;
  let next: Promise<VisibilityBlock[]> | null = passes.length > 0 ? startPass(passes[0]!, 0) : null;
  try {
    for (let k = 0; k < passes.length; k++) {
      const p = passes[k]!;
      const blocks = await (next as Promise<VisibilityBlock[]>);
      next = k + 1 < passes.length ? startPass(passes[k + 1]!, (k + 1) % 2) : null;
      for (let j = 0; j < p.sbs.length; j++) {
        const sb = p.sbs[j] as number;
        const layout = subbandLayout(sb, nchanSb);
        const ci = p.chunk.ci;
        const header = subbandHeader({
          arr,
          uvw,
          timesMjd: p.chunk.times,
          integrationS: INTEGRATION_S,
          freqsHz: layout.freqsHz,
          channelWidthHz: layout.channelWidthHz,
          decOfDateRad: dec0,
          history: `Simulated by dsa110-contimg (seed ${seed}, chunk ${ci}, subband ${sb}); truth in ${TRUTH_FILE}`,
        });
        const file = path.join(opts.outDir, correlatorFileName(p.chunk.stamps[sb] as string, sb));
        await writeUvh5(file, header, blocks[j]!, { overwrite: true });
        files[ci]!.push(file);
        opts.onProgress?.(ci * SUBBAND_COUNT + sb + 1, total, path.basename(file));
      }
    }
  } catch (e) {
    // Let a pass still in flight finish before reporting, so no rejection goes unobserved.
    await next?.catch(() => undefined);
    throw e;
  }
  const chunks: SimulatedChunk[] = chunkPlans.map((c) => ({
    groupId: [...c.stamps].sort()[0] as string,
    startMjd: c.chunkStart,
    endMjd: c.chunkStart + CHUNK_S / 86400,
    files: files[c.ci]!,
  }));

  // Truth: parameters, and the corruptions sampled on the data's own time and frequency grid.
  const gainSamples = chunks.flatMap((c) =>
    Array.from({ length: INTEGRATIONS_PER_CHUNK }, (_, t) => {
      const mjd = c.startMjd + ((t + 0.5) * INTEGRATION_S) / 86400;
      const h = (mjd - startMjd) * 24;
      return {
        mjd,
        g: stations.map((_, a) => [0, 1].map((p) => (corr.gains ? gainAt(gains[a]![p]!, h) : [1, 0]).map(round7))),
      };
    }),
  );
  const truth = {
    format: 'dsa110-contimg simulation truth v1',
    conventions: {
      visibility: 'DATA = S exp(+2 pi i (u l + v m + w (n - 1)) / lambda), uvw = uvw(ant2) - uvw(ant1)',
      corruption: 'V_obs(a, b) = J_a (V + noise) conj(J_b), J = gain(t) x bandpass(nu); XX = YY = I',
      times: 'MJD UTC, mid-integration',
      gains: 'per active antenna, per pol [X, Y], [re, im]',
    },
    parameters: {
      start: opts.start,
      minutes: opts.minutes,
      decDeg: opts.decDeg,
      seed,
      antennas: nant,
      channelsPerSubband: nchanSb,
      minFluxJy: opts.minFluxJy ?? 0.02,
      minApparentJy: opts.minApparentJy ?? 0.002,
      smearing: opts.smearing ?? false,
      corruptions: corr,
    },
    beam: beam.describe(),
    array: { stations, deadStations: deadIdx.map((i) => stations[i]) },
    noise: {
      sefdJy: corr.sefdJy,
      sigmaJyPerVisibility: sigma,
      channelWidthHz: subbandLayout(0, nchanSb).channelWidthHz,
      integrationS: INTEGRATION_S,
    },
    flaggedChannelsHz: flaggedGlobal.map((g) => allFreqs[g]),
    sources,
    gains: { epochMjd: startMjd, params: corr.gains ? gains : null, samples: gainSamples },
    bandpass: {
      freqsHz: Array.from(allFreqs),
      params: corr.bandpass ? bandpasses : null,
      values: stations.map((_, a) =>
        [0, 1].map((p) =>
          Array.from(allFreqs, (f) =>
            (corr.bandpass ? bandpassAt(bandpasses[a]![p]!, f, bandLo, bandHi) : [1, 0]).map(round7),
          ),
        ),
      ),
    },
    rfi,
    chunks: chunks.map((c) => ({ ...c, files: c.files.map((f) => path.basename(f)) })),
  };
  const truthFile = path.join(opts.outDir, TRUTH_FILE);
  writeFileSync(truthFile + '.tmp', JSON.stringify(truth));
  renameSync(truthFile + '.tmp', truthFile);
  return { outDir: opts.outDir, truthFile, chunks, sources };
}

/**
 * Channels simulated in one native pass: bounds the memory of the two passes in flight
 * (~110 MB each at 24 integrations and 4656 baselines) and keeps files flowing to the writer.
 */
const PASS_CHANNELS = 64;

/** The whole shared array the pass's per-subband views belong to. */
function sharedView<T extends Float32Array | Uint8Array>(
  ctor: { new (b: ArrayBufferLike): T },
  blocks: VisibilityBlock[],
  pick: (b: VisibilityBlock) => T,
): T {
  return new ctor(pick(blocks[0]!).buffer);
}

function round7(x: number): number {
  return Number(x.toPrecision(7));
}
