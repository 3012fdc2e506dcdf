// The runner's JobEvents become contract-valid API events carrying the whole rows.
import { describe, expect, it } from 'vitest';
import { apiEventFromJobEvent, validateEvent } from '../../src/shared/api';
import type { JobEvent, StageRun } from '../../src/shared/model';
import { job } from './fixtures';

const stage: StageRun = {
  jobId: 'j1',
  stageId: 'image',
  stageName: 'wsclean',
  deps: [],
  state: 'running',
  attempt: 1,
  params: {},
  outputs: null,
  startedMjd: 60950.5,
  finishedMjd: null,
  durationS: null,
  error: null,
  pid: 123,
};

describe('apiEventFromJobEvent', () => {
  it('maps each runner event to a valid API event', () => {
    const j = job('j1', 'running', 0.3);
    const line = {
      id: 5,
      jobId: 'j1',
      stageId: 'image',
      level: 'info' as const,
      timeMjd: 60950.5,
      message: 'major cycle',
      data: null,
    };
    const cases: Array<[JobEvent, string, unknown]> = [
      [
        {
          type: 'job',
          jobId: 'j1',
          kind: j.kind,
          state: j.state,
          progress: j.progress,
          message: null,
          error: null,
          job: j,
        },
        'job.state',
        { job: j },
      ],
      [
        {
          type: 'stage',
          jobId: 'j1',
          stageId: 'image',
          stageName: 'wsclean',
          state: 'running',
          attempt: 1,
          error: null,
          stage,
        },
        'job.stage',
        { stage },
      ],
      // The API's progress is the whole job's (0.55), not the stage's own fraction (0.1).
      [
        { type: 'progress', jobId: 'j1', stageId: 'image', fraction: 0.1, message: 'gridding', jobProgress: 0.55 },
        'job.progress',
        { jobId: 'j1', stageId: 'image', progress: 0.55, message: 'gridding' },
      ],
      [{ type: 'log', jobId: 'j1', line }, 'job.log', { line }],
    ];
    for (const [input, event, payload] of cases) {
      const out = apiEventFromJobEvent(input);
      expect(out.event).toBe(event);
      expect(out.payload).toEqual(payload);
      expect(validateEvent(out.event, out.payload)).toEqual(payload);
    }
  });
});
