// Repository for images, mosaic groups (with their member MS and images) and mosaics.
import { nowMjd } from '../../../../shared/model/common';
import {
  Image,
  ImageKind,
  ImageTier,
  Mosaic,
  MosaicGroup,
  MosaicGroupStatus,
  NewImage,
  NewMosaic,
  NewMosaicGroup,
} from '../../../../shared/model/images';
import type { ProductStatus } from '../../../../shared/model/products';
import type { PlanStatus, QaVerdict } from '../../../../shared/model/qa';
import type { MosaicMethod } from '../../../../shared/model/images';
import type { Connection } from '../connection';
import { selectPage, Where, type Page, type PageInput } from '../page';
import { fromRow, guarded, insertSql, notFound, toRow, updateSql, validate, type Row, type TableSpec } from '../table';

const imageSpec: TableSpec<Image> = {
  table: 'images',
  label: 'image',
  schema: Image,
  columns: {
    id: 'id',
    path: 'path',
    msId: 'ms_id',
    kind: 'kind',
    beamMajorArcsec: 'beam_major_arcsec',
    beamMinorArcsec: 'beam_minor_arcsec',
    beamPaDeg: 'beam_pa_deg',
    rmsJy: 'rms_jy',
    peakJy: 'peak_jy',
    dynamicRange: 'dynamic_range',
    centerRaDeg: 'center_ra_deg',
    centerDecDeg: 'center_dec_deg',
    widthPx: 'width_px',
    heightPx: 'height_px',
    cellArcsec: 'cell_arcsec',
    freqHz: 'freq_hz',
    tier: 'tier',
    pbModel: 'pb_model',
    createdMjd: 'created_mjd',
  },
};
const groupSpec: TableSpec<MosaicGroup> = {
  table: 'mosaic_groups',
  label: 'mosaic group',
  schema: MosaicGroup,
  columns: {
    id: 'id',
    name: 'name',
    memberMsIds: { col: 'member_ms_ids', json: true },
    memberImageIds: { col: 'member_image_ids', json: true },
    decDeg: 'dec_deg',
    startMjd: 'start_mjd',
    endMjd: 'end_mjd',
    status: 'status',
    createdMjd: 'created_mjd',
    updatedMjd: 'updated_mjd',
  },
};
const mosaicSpec: TableSpec<Mosaic> = {
  table: 'mosaics',
  label: 'mosaic',
  schema: Mosaic,
  columns: {
    id: 'id',
    path: 'path',
    groupId: 'group_id',
    method: 'method',
    nImages: 'n_images',
    startMjd: 'start_mjd',
    endMjd: 'end_mjd',
    noiseJy: 'noise_jy',
    qa: { col: 'qa_json', json: true },
    createdMjd: 'created_mjd',
  },
};

// Members come back as JSON arrays in id order, so a group reads back exactly as written.
const SELECT_GROUP = `SELECT g.*,
    (SELECT COALESCE(json_group_array(ms_id), '[]') FROM (SELECT ms_id FROM mosaic_group_ms WHERE group_id = g.id ORDER BY ms_id)) AS member_ms_ids,
    (SELECT COALESCE(json_group_array(image_id), '[]') FROM (SELECT image_id FROM mosaic_group_images WHERE group_id = g.id ORDER BY image_id)) AS member_image_ids
  FROM mosaic_groups g`;

export const ImagePatch = NewImage.omit({ path: true }).partial();
export type ImagePatch = Partial<Omit<NewImage, 'path'>>;

export interface ImageFilter {
  msId?: number;
  kinds?: readonly ImageKind[];
  tier?: ImageTier;
  decMinDeg?: number;
  decMaxDeg?: number;
  startMjd?: number;
  endMjd?: number;
  maxRmsJy?: number;
}

export interface MosaicSummaryFilter {
  planStatuses?: readonly PlanStatus[];
  productStatuses?: readonly ProductStatus[];
  /** Mosaics overlapping [startMjd, endMjd). */
  startMjd?: number;
  endMjd?: number;
}

export interface MosaicSummaryRow {
  name: string;
  mosaicId: number | null;
  path: string | null;
  method: MosaicMethod | null;
  nImages: number | null;
  startMjd: number | null;
  endMjd: number | null;
  decDeg: number | null;
  noiseJy: number | null;
  planStatus: PlanStatus | null;
  jobId: string | null;
  productStatus: ProductStatus | null;
  qaVerdict: QaVerdict | null;
  createdMjd: number;
}

export class ImagesRepo {
  constructor(private readonly conn: Connection) {}

  insertImage(input: NewImage): Image {
    const img = validate(this.conn, NewImage, 'image', input);
    return this.conn.write(() => {
      const row = toRow(imageSpec, { tier: 'quicklook', ...img, createdMjd: nowMjd() });
      const r = guarded(this.conn, imageSpec.table, imageSpec.label, row, () =>
        this.conn.stmt(insertSql(imageSpec.table, row)).run(row),
      );
      return this.requireImage(Number(r.lastInsertRowid));
    });
  }

  /** Update measured properties (beam, rms, peak, ...) of an image. */
  updateImage(id: number, patch: ImagePatch): Image {
    const p = validate(this.conn, ImagePatch, `update of image ${id}`, patch);
    return this.conn.write(() => {
      const row = { ...toRow(imageSpec, p), id };
      if (Object.keys(row).length > 1) {
        guarded(this.conn, imageSpec.table, imageSpec.label, row, () =>
          this.conn.stmt(updateSql(imageSpec.table, row, ['id'])).run(row),
        );
      }
      return this.requireImage(id);
    });
  }

  getImage(id: number): Image | undefined {
    const row = this.conn.stmt('SELECT * FROM images WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(this.conn, imageSpec, row) : undefined;
  }

  requireImage(id: number): Image {
    const img = this.getImage(id);
    if (!img) throw notFound(this.conn, imageSpec.label, `id=${id}`);
    return img;
  }

  getImageByPath(path: string): Image | undefined {
    const row = this.conn.stmt('SELECT * FROM images WHERE path = ?').get(path) as Row | undefined;
    return row ? fromRow(this.conn, imageSpec, row) : undefined;
  }

  listImages(q: { msId?: number; kind?: ImageKind; limit?: number } = {}): Image[] {
    const rows = this.conn
      .stmt(
        `SELECT * FROM images WHERE (@ms IS NULL OR ms_id = @ms) AND (@kind IS NULL OR kind = @kind)
      ORDER BY id LIMIT @limit`,
      )
      .all({ ms: q.msId ?? null, kind: q.kind ?? null, limit: q.limit ?? -1 }) as Row[];
    return rows.map((r) => fromRow(this.conn, imageSpec, r));
  }

  /**
   * A page of images, newest first: by MS, kind, tier, centre declination, the imaged MS's mid
   * time in [startMjd, endMjd), and noise.
   */
  pageImages(q: PageInput & ImageFilter = {}): Page<Image> {
    const w = new Where()
      .eq('ms_id', q.msId, 'msId')
      .in('kind', q.kinds, 'kinds')
      .eq('tier', q.tier, 'tier')
      .cmp('center_dec_deg', '>=', q.decMinDeg, 'decMin')
      .cmp('center_dec_deg', '<=', q.decMaxDeg, 'decMax')
      .cmp('rms_jy', '<=', q.maxRmsJy, 'maxRms');
    if (q.startMjd !== undefined || q.endMjd !== undefined) {
      w.clauses.push('ms_id IN (SELECT id FROM measurement_sets WHERE mid_mjd >= @tStart AND mid_mjd < @tEnd)');
      w.params.tStart = q.startMjd ?? -1e9;
      w.params.tEnd = q.endMjd ?? 1e9;
    }
    const p = selectPage(this.conn, 'SELECT * FROM images', 'images', w, 'created_mjd DESC, id DESC', q);
    return { ...p, items: p.items.map((r) => fromRow(this.conn, imageSpec, r)) };
  }

  /**
   * Mosaics as the UI lists them, newest first: every recorded plan (built or not) with its
   * mosaic, and every mosaic built without a plan; with the product's status and the latest QA verdict.
   */
  pageMosaicSummaries(q: PageInput & MosaicSummaryFilter = {}): Page<MosaicSummaryRow> {
    const items = `(
      SELECT p.name AS name, m.id AS mosaic_id, m.path AS path, m.method AS method, m.n_images AS n_images,
        COALESCE(m.start_mjd, json_extract(p.plan_json, '$.window.startMjd')) AS start_mjd,
        COALESCE(m.end_mjd, json_extract(p.plan_json, '$.window.endMjd')) AS end_mjd,
        COALESCE(g.dec_deg, json_extract(p.plan_json, '$.decDeg')) AS dec_deg, m.noise_jy AS noise_jy,
        p.status AS plan_status, p.job_id AS job_id, p.created_mjd AS created_mjd
      FROM mosaic_plans p LEFT JOIN mosaics m ON m.id = p.mosaic_id LEFT JOIN mosaic_groups g ON g.id = m.group_id
      UNION ALL
      SELECT g.name, m.id, m.path, m.method, m.n_images, m.start_mjd, m.end_mjd, g.dec_deg, m.noise_jy, NULL, NULL, m.created_mjd
      FROM mosaics m JOIN mosaic_groups g ON g.id = m.group_id
      WHERE NOT EXISTS (SELECT 1 FROM mosaic_plans p WHERE p.mosaic_id = m.id OR p.name = g.name)
    ) AS i LEFT JOIN products pr ON pr.id = i.name`;
    const w = new Where()
      .in('i.plan_status', q.planStatuses, 'planStatuses')
      .in('pr.status', q.productStatuses, 'productStatuses')
      .cmp('i.end_mjd', '>', q.startMjd, 'startMjd')
      .cmp('i.start_mjd', '<', q.endMjd, 'endMjd');
    const select = `SELECT i.*, pr.status AS product_status, COALESCE(
        (SELECT verdict FROM qa_results q WHERE q.product_id = i.name ORDER BY q.id DESC LIMIT 1),
        (SELECT verdict FROM qa_results q WHERE q.subject = 'mosaic' AND q.subject_id = i.mosaic_id ORDER BY q.id DESC LIMIT 1)) AS qa_verdict
      FROM ${items}`;
    const p = selectPage(this.conn, select, items, w, 'i.created_mjd DESC, i.name DESC', q);
    return {
      ...p,
      items: p.items.map((r) => ({
        name: r.name as string,
        mosaicId: (r.mosaic_id as number | null) ?? null,
        path: (r.path as string | null) ?? null,
        method: (r.method as MosaicSummaryRow['method']) ?? null,
        nImages: (r.n_images as number | null) ?? null,
        startMjd: (r.start_mjd as number | null) ?? null,
        endMjd: (r.end_mjd as number | null) ?? null,
        decDeg: (r.dec_deg as number | null) ?? null,
        noiseJy: (r.noise_jy as number | null) ?? null,
        planStatus: (r.plan_status as MosaicSummaryRow['planStatus']) ?? null,
        jobId: (r.job_id as string | null) ?? null,
        productStatus: (r.product_status as MosaicSummaryRow['productStatus']) ?? null,
        qaVerdict: (r.qa_verdict as MosaicSummaryRow['qaVerdict']) ?? null,
        createdMjd: r.created_mjd as number,
      })),
    };
  }

  insertMosaicGroup(input: NewMosaicGroup): MosaicGroup {
    const g = validate(this.conn, NewMosaicGroup, 'mosaic group', input);
    return this.conn.write(() => {
      const now = nowMjd();
      const { memberMsIds, memberImageIds, ...rest } = g;
      const row = toRow(groupSpec, { status: 'forming', ...rest, createdMjd: now, updatedMjd: now });
      const r = guarded(this.conn, groupSpec.table, groupSpec.label, row, () =>
        this.conn.stmt(insertSql(groupSpec.table, row)).run(row),
      );
      const id = Number(r.lastInsertRowid);
      this.addMembers(id, { msIds: memberMsIds ?? [], imageIds: memberImageIds ?? [] });
      return this.requireMosaicGroup(id);
    });
  }

  /** Add member MS and images to a group (already-present members are ignored). */
  addMembers(groupId: number, m: { msIds?: number[]; imageIds?: number[] }): MosaicGroup {
    return this.conn.write(() => {
      for (const msId of m.msIds ?? []) {
        const row = { group_id: groupId, ms_id: msId };
        guarded(this.conn, 'mosaic_group_ms', 'mosaic group member', row, () =>
          this.conn.stmt('INSERT OR IGNORE INTO mosaic_group_ms (group_id, ms_id) VALUES (@group_id, @ms_id)').run(row),
        );
      }
      for (const imageId of m.imageIds ?? []) {
        const row = { group_id: groupId, image_id: imageId };
        guarded(this.conn, 'mosaic_group_images', 'mosaic group member', row, () =>
          this.conn
            .stmt('INSERT OR IGNORE INTO mosaic_group_images (group_id, image_id) VALUES (@group_id, @image_id)')
            .run(row),
        );
      }
      this.conn.stmt('UPDATE mosaic_groups SET updated_mjd = ? WHERE id = ?').run(nowMjd(), groupId);
      return this.requireMosaicGroup(groupId);
    });
  }

  setMosaicGroupStatus(id: number, status: MosaicGroupStatus): MosaicGroup {
    const s = validate(this.conn, MosaicGroupStatus, `status of mosaic group ${id}`, status);
    return this.conn.write(() => {
      const r = this.conn
        .stmt('UPDATE mosaic_groups SET status = ?, updated_mjd = ? WHERE id = ?')
        .run(s, nowMjd(), id);
      if (r.changes === 0) throw notFound(this.conn, groupSpec.label, `id=${id}`);
      return this.requireMosaicGroup(id);
    });
  }

  getMosaicGroup(id: number): MosaicGroup | undefined {
    const row = this.conn.stmt(`${SELECT_GROUP} WHERE g.id = ?`).get(id) as Row | undefined;
    return row ? fromRow(this.conn, groupSpec, row) : undefined;
  }

  requireMosaicGroup(id: number): MosaicGroup {
    const g = this.getMosaicGroup(id);
    if (!g) throw notFound(this.conn, groupSpec.label, `id=${id}`);
    return g;
  }

  getMosaicGroupByName(name: string): MosaicGroup | undefined {
    const row = this.conn.stmt(`${SELECT_GROUP} WHERE g.name = ?`).get(name) as Row | undefined;
    return row ? fromRow(this.conn, groupSpec, row) : undefined;
  }

  listMosaicGroups(q: { status?: MosaicGroupStatus; fromMjd?: number; toMjd?: number } = {}): MosaicGroup[] {
    const rows = this.conn
      .stmt(
        `${SELECT_GROUP}
      WHERE (@status IS NULL OR g.status = @status) AND (@from IS NULL OR g.start_mjd >= @from) AND (@to IS NULL OR g.start_mjd < @to)
      ORDER BY g.start_mjd, g.id`,
      )
      .all({ status: q.status ?? null, from: q.fromMjd ?? null, to: q.toMjd ?? null }) as Row[];
    return rows.map((r) => fromRow(this.conn, groupSpec, r));
  }

  insertMosaic(input: NewMosaic): Mosaic {
    const m = validate(this.conn, NewMosaic, 'mosaic', input);
    return this.conn.write(() => {
      const row = toRow(mosaicSpec, { qa: {}, ...m, createdMjd: nowMjd() });
      const r = guarded(this.conn, mosaicSpec.table, mosaicSpec.label, row, () =>
        this.conn.stmt(insertSql(mosaicSpec.table, row)).run(row),
      );
      return this.requireMosaic(Number(r.lastInsertRowid));
    });
  }

  getMosaic(id: number): Mosaic | undefined {
    const row = this.conn.stmt('SELECT * FROM mosaics WHERE id = ?').get(id) as Row | undefined;
    return row ? fromRow(this.conn, mosaicSpec, row) : undefined;
  }

  requireMosaic(id: number): Mosaic {
    const m = this.getMosaic(id);
    if (!m) throw notFound(this.conn, mosaicSpec.label, `id=${id}`);
    return m;
  }

  /** Merge QA results into a mosaic's `qa` JSON (validation facts written at build time are kept). */
  setMosaicQa(id: number, qa: Mosaic['qa']): Mosaic {
    return this.conn.write(() => {
      const m = this.requireMosaic(id);
      const merged = validate(this.conn, Mosaic.shape.qa, `qa of mosaic ${id}`, { ...m.qa, ...qa });
      this.conn.stmt('UPDATE mosaics SET qa_json = ? WHERE id = ?').run(JSON.stringify(merged), id);
      return this.requireMosaic(id);
    });
  }

  getMosaicByPath(path: string): Mosaic | undefined {
    const row = this.conn.stmt('SELECT * FROM mosaics WHERE path = ?').get(path) as Row | undefined;
    return row ? fromRow(this.conn, mosaicSpec, row) : undefined;
  }

  listMosaics(q: { groupId?: number } = {}): Mosaic[] {
    const rows = this.conn
      .stmt('SELECT * FROM mosaics WHERE (@g IS NULL OR group_id = @g) ORDER BY start_mjd, id')
      .all({ g: q.groupId ?? null }) as Row[];
    return rows.map((r) => fromRow(this.conn, mosaicSpec, r));
  }
}
