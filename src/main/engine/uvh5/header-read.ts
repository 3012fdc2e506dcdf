// Reads and checks Header fields against the declared model, on demand (so a metadata-only
// scan touches only what it needs), and describes the Data datasets without reading them.
import { Uvh5Error } from './errors';
import { childNames, classOf, hdf5Call, isBoolEnum, isDataset, isGroup, readDataset } from './h5';
import type { DatasetValue, H5Module } from './h5';
import { FIELD_BY_NAME, HEADER_FIELDS } from './model';
import type { Dim, ExtraValue, FieldSpec, PhaseCenter, Uvh5Header, Uvh5Layout } from './model';

const COUNT_FIELDS = ['Nants_data', 'Nants_telescope', 'Nbls', 'Nblts', 'Nfreqs', 'Npols', 'Ntimes', 'Nspws'] as const;
type CountField = (typeof COUNT_FIELDS)[number];

export type VisType = 'float32' | 'float64' | 'int32' | 'int16';

/** How the three Data datasets are stored. */
export interface Uvh5DataInfo {
  layout: Uvh5Layout;
  shape: number[];
  visType: VisType;
  /** Byte size of one visdata element and the byte offsets of its r and i members. */
  visElementBytes: number;
  visOffsets: { r: number; i: number };
  flagType: 'bool' | 'uint8' | 'int8';
  nsamplesType: 'float32' | 'float64';
}

function fmtShape(shape: readonly number[] | null): string {
  return shape === null ? 'empty (null dataspace)' : shape.length === 0 ? 'scalar' : `(${shape.join(', ')})`;
}

export class HeaderReader {
  private readonly cache = new Map<string, DatasetValue | null>();
  private counts: Record<CountField, number> | null = null;

  constructor(
    private readonly M: H5Module,
    private readonly fid: bigint,
    readonly file: string,
  ) {
    if (!isGroup(M, fid, '/Header'))
      throw new Uvh5Error(file, 'Header', 'group missing: not a UVH5 file (expected Header and Data groups)');
    if (!isGroup(M, fid, '/Data'))
      throw new Uvh5Error(file, 'Data', 'group missing: not a UVH5 file (expected Header and Data groups)');
  }

  /** The N* counts, each a positive integer scalar. */
  getCounts(): Record<CountField, number> {
    if (this.counts) return this.counts;
    const c = {} as Record<CountField, number>;
    for (const k of COUNT_FIELDS) {
      const v = this.scalar(k);
      if (v === null || !Number.isSafeInteger(v) || v < 1)
        throw new Uvh5Error(this.file, `Header/${k}`, `expected a positive integer, got ${v}`);
      c[k] = v;
    }
    this.counts = c;
    return c;
  }

  private dimSize(d: Dim): number {
    return typeof d === 'number' ? d : this.getCounts()[d];
  }

  /** Read a declared field (null when absent and not required), checking its kind and shape. */
  raw(name: string): DatasetValue | null {
    if (this.cache.has(name)) return this.cache.get(name) ?? null;
    const spec = FIELD_BY_NAME.get(name);
    if (!spec) throw new Error(`field ${name} is not in the UVH5 model`);
    const field = `Header/${name}`;
    const path = `/${field}`;
    if (!isDataset(this.M, this.fid, path)) {
      if (this.isRequired(spec)) throw new Uvh5Error(this.file, field, `required field missing (${spec.description})`);
      this.cache.set(name, null);
      return null;
    }
    const v = hdf5Call(this.M, this.file, field, 'cannot read', () => readDataset(this.M, this.fid, path));
    this.checkKind(spec, v, field);
    if (COUNT_FIELDS.includes(name as CountField)) {
      if (v.shape === null || v.shape.reduce((a, b) => a * b, 1) !== 1)
        throw new Uvh5Error(this.file, field, `expected a scalar, found ${fmtShape(v.shape)}`);
    } else {
      this.checkShape(spec, v, field);
    }
    this.cache.set(name, v);
    return v;
  }

  private isRequired(spec: FieldSpec): boolean {
    if (spec.required === 'always') return true;
    if (spec.required === 'optional') return false;
    return (spec.required === 'with-catalog') === this.hasCatalog();
  }

  hasCatalog(): boolean {
    return isGroup(this.M, this.fid, '/Header/phase_center_catalog');
  }

  private checkKind(spec: FieldSpec, v: DatasetValue, field: string): void {
    const ok =
      spec.kind === 'string'
        ? v.kind === 'string'
        : spec.kind === 'float'
          ? v.kind === 'float' || v.kind === 'int'
          : v.kind === 'int' || v.kind === 'bool';
    if (!ok)
      throw new Uvh5Error(
        this.file,
        field,
        `expected ${spec.kind === 'int' ? 'an integer' : `a ${spec.kind}`} dataset, found HDF5 ${v.kind} (type class ${v.meta.type}, ${v.meta.size} bytes)`,
      );
  }

  private checkShape(spec: FieldSpec, v: DatasetValue, field: string): void {
    const candidates = [spec.shape, ...(spec.flatShape ? [spec.flatShape] : []), ...(spec.altShapes ?? [])];
    const got = v.shape;
    const matches = (want: readonly Dim[]): boolean => {
      if (got === null) return false;
      if (want.length === 0) return got.length === 0 || (got.length === 1 && got[0] === 1);
      return got.length === want.length && want.every((d, i) => got[i] === this.dimSize(d));
    };
    if (!candidates.some(matches)) {
      const expected = candidates.map((c) =>
        c.length === 0
          ? 'scalar'
          : `(${c.map((d) => (typeof d === 'number' ? d : `${d}=${this.dimSize(d)}`)).join(', ')})`,
      );
      throw new Uvh5Error(
        this.file,
        field,
        `expected shape ${[...new Set(expected)].join(' or ')}, found ${fmtShape(got)}`,
      );
    }
  }

  numbers(name: string): Float64Array | null {
    return this.raw(name)?.numbers ?? null;
  }

  required<T>(name: string, v: T | null): T {
    if (v === null) throw new Uvh5Error(this.file, `Header/${name}`, 'required field missing or empty');
    return v;
  }

  scalar(name: string): number | null {
    const n = this.numbers(name);
    return n ? (n[0] ?? null) : null;
  }

  string(name: string): string | null {
    const s = this.raw(name)?.strings;
    return s ? (s[0] ?? '') : null;
  }

  ints(name: string): Int32Array | null {
    const n = this.numbers(name);
    if (!n) return null;
    const out = new Int32Array(n.length);
    for (let i = 0; i < n.length; i++) {
      const x = n[i] as number;
      if (!Number.isInteger(x) || x < -2147483648 || x > 2147483647)
        throw new Uvh5Error(this.file, `Header/${name}`, `value ${x} at ${i} is not a 32-bit integer`);
      out[i] = x;
    }
    return out;
  }

  /** A per-row or per-channel array; a scalar in the file is broadcast to `length`. */
  broadcast(name: string, length: number): Float64Array | null {
    const n = this.numbers(name);
    if (!n) return null;
    return n.length === length ? n : new Float64Array(length).fill(n[0] ?? NaN);
  }

  extraKeywords(): Record<string, ExtraValue> {
    const out: Record<string, ExtraValue> = {};
    for (const key of childNames(this.M, this.fid, '/Header/extra_keywords')) {
      const path = `/Header/extra_keywords/${key}`;
      if (!isDataset(this.M, this.fid, path)) continue;
      const v = hdf5Call(this.M, this.file, `Header/extra_keywords/${key}`, 'cannot read', () =>
        readDataset(this.M, this.fid, path),
      );
      out[key] = toExtraValue(v);
    }
    return out;
  }

  phaseCenterCatalog(): PhaseCenter[] | null {
    const group = '/Header/phase_center_catalog';
    if (!this.hasCatalog()) return null;
    const entries: PhaseCenter[] = [];
    for (const key of childNames(this.M, this.fid, group)) {
      const path = `${group}/${key}`;
      const field = `Header/phase_center_catalog/${key}`;
      let dict: Record<string, ExtraValue> = {};
      let id: number;
      if (isGroup(this.M, this.fid, path)) {
        id = Number(key);
        for (const k of childNames(this.M, this.fid, path)) {
          const v = hdf5Call(this.M, this.file, `${field}/${k}`, 'cannot read', () =>
            readDataset(this.M, this.fid, `${path}/${k}`),
          );
          dict[k] = toExtraValue(v);
        }
      } else {
        // The first catalog layout stored one JSON string per entry, named by cat_name.
        const v = hdf5Call(this.M, this.file, field, 'cannot read', () => readDataset(this.M, this.fid, path));
        try {
          dict = JSON.parse(v.strings?.[0] ?? '') as Record<string, ExtraValue>;
        } catch {
          throw new Uvh5Error(this.file, field, 'expected a group or a JSON string describing a phase centre');
        }
        dict.cat_name = key;
        id = Number(dict.cat_id);
        delete dict.cat_id;
      }
      if (!Number.isInteger(id)) throw new Uvh5Error(this.file, field, 'expected an integer catalog id');
      const str = (k: string): string | null => (typeof dict[k] === 'string' ? (dict[k] as string) : null);
      const num = (k: string): number | null => (typeof dict[k] === 'number' ? (dict[k] as number) : null);
      const core = ['cat_name', 'cat_type', 'cat_lon', 'cat_lat', 'cat_frame', 'cat_epoch'];
      entries.push({
        id,
        cat_name: str('cat_name') ?? key,
        cat_type: str('cat_type') ?? 'unknown',
        cat_lon: num('cat_lon'),
        cat_lat: num('cat_lat'),
        cat_frame: str('cat_frame'),
        cat_epoch: num('cat_epoch'),
        extra: Object.fromEntries(Object.entries(dict).filter(([k]) => !core.includes(k))),
      });
    }
    return entries.sort((a, b) => a.id - b.id);
  }

  /** Shapes and types of Data/visdata, flags, nsamples (no data read). */
  dataInfo(): Uvh5DataInfo {
    const { Nblts, Nfreqs, Npols } = this.getCounts();
    const metas = (['visdata', 'flags', 'nsamples'] as const).map((name) => {
      const field = `Data/${name}`;
      if (!isDataset(this.M, this.fid, `/${field}`)) throw new Uvh5Error(this.file, field, 'required dataset missing');
      return hdf5Call(this.M, this.file, field, 'cannot read metadata', () =>
        this.M.get_dataset_metadata(this.fid, `/${field}`),
      );
    });
    const [vis, flags, nsamples] = metas as [(typeof metas)[0], (typeof metas)[0], (typeof metas)[0]];
    const shape = vis.shape?.map(Number) ?? null;
    const want4 = [Nblts, 1, Nfreqs, Npols];
    const want3 = [Nblts, Nfreqs, Npols];
    const same = (a: readonly number[] | null, b: readonly number[]): boolean =>
      !!a && a.length === b.length && a.every((x, i) => x === b[i]);
    let layout: Uvh5Layout;
    if (same(shape, want4)) layout = 'spw-axis';
    else if (same(shape, want3)) layout = 'flat';
    else
      throw new Uvh5Error(
        this.file,
        'Data/visdata',
        `expected shape (Nblts=${Nblts}, 1, Nfreqs=${Nfreqs}, Npols=${Npols}) or (Nblts, Nfreqs, Npols), found ${fmtShape(shape)}`,
      );
    const want = layout === 'spw-axis' ? want4 : want3;
    for (const [name, m] of [
      ['flags', flags],
      ['nsamples', nsamples],
    ] as const) {
      const s = m.shape?.map(Number) ?? null;
      if (!same(s, want))
        throw new Uvh5Error(
          this.file,
          `Data/${name}`,
          `expected the shape of Data/visdata (${want.join(', ')}), found ${fmtShape(s)}`,
        );
    }
    // visdata: a compound with 'r' and 'i' members of one numeric type.
    const members = vis.compound_type?.members ?? [];
    const r = members.find((m) => m.name === 'r');
    const i = members.find((m) => m.name === 'i');
    const describe = `HDF5 type class ${vis.type}, ${vis.size} bytes${members.length ? `, members ${members.map((m) => m.name).join(',')}` : ''}`;
    if (vis.type !== this.M.H5T_class_t.H5T_COMPOUND.value || !r || !i || r.type !== i.type || r.size !== i.size) {
      throw new Uvh5Error(
        this.file,
        'Data/visdata',
        `expected a compound {r, i} of float32, float64 or int32, found ${describe}`,
      );
    }
    let visType: VisType;
    const F = this.M.H5T_class_t.H5T_FLOAT.value;
    const I = this.M.H5T_class_t.H5T_INTEGER.value;
    if (r.type === F && r.size === 4) visType = 'float32';
    else if (r.type === F && r.size === 8) visType = 'float64';
    else if (r.type === I && r.signed && r.size === 4) visType = 'int32';
    else if (r.type === I && r.signed && r.size === 2) visType = 'int16';
    else
      throw new Uvh5Error(
        this.file,
        'Data/visdata',
        `expected r and i of float32, float64 or int32, found ${describe}`,
      );
    if (r.offset % r.size !== 0 || i.offset % r.size !== 0 || vis.size % r.size !== 0)
      throw new Uvh5Error(this.file, 'Data/visdata', `unaligned compound members (${describe})`);
    let flagType: Uvh5DataInfo['flagType'];
    const fk = classOf(this.M, flags);
    if (fk === 'bool' && flags.size === 1) flagType = 'bool';
    else if ((flags.type === I || fk === 'int') && flags.size === 1 && !isBoolEnum(flags))
      flagType = flags.signed ? 'int8' : 'uint8';
    else
      throw new Uvh5Error(
        this.file,
        'Data/flags',
        `expected a boolean (h5py enum) or 8-bit integer dataset, found HDF5 type class ${flags.type}, ${flags.size} bytes`,
      );
    let nsamplesType: Uvh5DataInfo['nsamplesType'];
    if (nsamples.type === F && nsamples.size === 4) nsamplesType = 'float32';
    else if (nsamples.type === F && nsamples.size === 8) nsamplesType = 'float64';
    else
      throw new Uvh5Error(
        this.file,
        'Data/nsamples',
        `expected float32 or float64, found HDF5 type class ${nsamples.type}, ${nsamples.size} bytes`,
      );
    return {
      layout,
      shape: want,
      visType,
      visElementBytes: vis.size,
      visOffsets: { r: r.offset, i: i.offset },
      flagType,
      nsamplesType,
    };
  }

  /** The complete header; every declared field is read and checked. */
  header(layout: Uvh5Layout): Uvh5Header {
    const c = this.getCounts();
    for (const spec of HEADER_FIELDS) this.raw(spec.name);
    const req = <T>(name: string, v: T | null): T => this.required(name, v);
    const freq = req('freq_array', this.numbers('freq_array'));
    const catalog = this.phaseCenterCatalog();
    return {
      layout,
      latitude: req('latitude', this.scalar('latitude')),
      longitude: req('longitude', this.scalar('longitude')),
      altitude: req('altitude', this.scalar('altitude')),
      telescope_name: req('telescope_name', this.string('telescope_name')),
      instrument: req('instrument', this.string('instrument')),
      object_name: this.string('object_name') ?? (catalog && catalog.length === 1 ? (catalog[0]?.cat_name ?? '') : ''),
      history: req('history', this.string('history')),
      phase_type: this.string('phase_type'),
      ...c,
      antenna_names: req('antenna_names', this.raw('antenna_names')?.strings ?? null),
      antenna_numbers: req('antenna_numbers', this.ints('antenna_numbers')),
      antenna_positions: req('antenna_positions', this.numbers('antenna_positions')),
      antenna_diameters: this.numbers('antenna_diameters'),
      ant_1_array: req('ant_1_array', this.ints('ant_1_array')),
      ant_2_array: req('ant_2_array', this.ints('ant_2_array')),
      uvw_array: req('uvw_array', this.numbers('uvw_array')),
      time_array: req('time_array', this.numbers('time_array')),
      integration_time: req('integration_time', this.numbers('integration_time')),
      lst_array: this.numbers('lst_array'),
      freq_array: freq,
      channel_width: req('channel_width', this.broadcast('channel_width', c.Nfreqs)),
      spw_array: req('spw_array', this.ints('spw_array')),
      flex_spw_id_array: this.ints('flex_spw_id_array'),
      polarization_array: req('polarization_array', this.ints('polarization_array')),
      vis_units: this.string('vis_units'),
      x_orientation: this.string('x_orientation'),
      phase_center_ra: this.scalar('phase_center_ra'),
      phase_center_dec: this.scalar('phase_center_dec'),
      phase_center_epoch: this.scalar('phase_center_epoch'),
      phase_center_frame: this.string('phase_center_frame'),
      phase_center_app_ra: this.broadcast('phase_center_app_ra', c.Nblts),
      phase_center_app_dec: this.broadcast('phase_center_app_dec', c.Nblts),
      phase_center_frame_pa: this.numbers('phase_center_frame_pa'),
      phase_center_id_array: this.ints('phase_center_id_array'),
      Nphase: this.scalar('Nphase'),
      phase_center_catalog: catalog,
      dut1: this.scalar('dut1'),
      earth_omega: this.scalar('earth_omega'),
      gst0: this.scalar('gst0'),
      rdate: this.string('rdate'),
      timesys: this.string('timesys'),
      blt_order: this.string('blt_order'),
      extra_keywords: this.extraKeywords(),
    };
  }
}

function toExtraValue(v: DatasetValue): ExtraValue {
  if (v.shape === null) return null;
  const scalar = v.shape.length === 0;
  if (v.strings) return scalar ? (v.strings[0] ?? '') : v.strings;
  if (v.numbers) {
    if (v.kind === 'bool') return scalar ? v.numbers[0] === 1 : Array.from(v.numbers);
    return scalar ? (v.numbers[0] ?? NaN) : Array.from(v.numbers);
  }
  return null;
}
