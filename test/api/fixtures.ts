// Valid domain objects for the API tests, built from the declared model.
import type { Job, JobState, Product, ProductStatus } from '../../src/shared/model';

export function job(id: string, state: JobState, progress = 0): Job {
  return {
    id,
    kind: 'imaging',
    params: { groupId: '2025-10-02T14:03:07' },
    state,
    progress,
    message: null,
    createdMjd: 60950.5,
    startedMjd: state === 'queued' ? null : 60950.51,
    finishedMjd: null,
    error: null,
  };
}

export function product(id: string, status: ProductStatus): Product {
  return {
    id,
    kind: 'mosaic',
    path: `/data/products/${id}.fits`,
    sha256: 'a'.repeat(64),
    sizeBytes: 1024,
    metadata: { decDeg: 54.57 },
    status,
    reviewer: null,
    comment: null,
    createdMjd: 60950.5,
    updatedMjd: 60950.5,
    publishedPath: null,
  };
}
