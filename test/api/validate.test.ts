// The contract's boundary validation: good inputs pass with defaults, bad ones fail naming the
// channel and the offending field; protocol names and contract keys agree.
import { describe, expect, it } from 'vitest';
import {
  ApiError,
  EVENT_NAMES,
  MAX_PAGE_SIZE,
  REQUEST_NAMES,
  events,
  eventChannel,
  isEventName,
  isRequestName,
  requestChannel,
  requests,
  validateEvent,
  validateInput,
  CHANNEL_PREFIX,
} from '../../src/shared/api';
import { job } from './fixtures';

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError, but the call succeeded');
}

describe('channel names', () => {
  it('lists exactly the contract keys, under the app prefix', () => {
    expect([...REQUEST_NAMES].sort()).toEqual(Object.keys(requests).sort());
    expect([...EVENT_NAMES].sort()).toEqual(Object.keys(events).sort());
    for (const n of REQUEST_NAMES) expect(requestChannel(n).startsWith(CHANNEL_PREFIX)).toBe(true);
    for (const n of EVENT_NAMES) expect(eventChannel(n).startsWith(CHANNEL_PREFIX)).toBe(true);
    // Request and event channels must never collide, or an event could be invoked as a request.
    const all = [...REQUEST_NAMES.map(requestChannel), ...EVENT_NAMES.map(eventChannel)];
    expect(new Set(all).size).toBe(all.length);
  });

  it('recognises only contract names', () => {
    expect(isRequestName('jobs.list')).toBe(true);
    expect(isRequestName('jobs.delete')).toBe(false);
    expect(isRequestName('__proto__')).toBe(false);
    expect(isRequestName(42)).toBe(false);
    expect(isEventName('job.log')).toBe(true);
    expect(isEventName('jobs.list')).toBe(false);
  });
});

describe('validateInput accepts good inputs', () => {
  it('fills page defaults', () => {
    expect(validateInput('jobs.list', {})).toEqual({ limit: 100, offset: 0 });
    expect(validateInput('products.list', { statuses: ['qa_passed', 'qa_failed'], limit: 25, offset: 50 })).toEqual({
      statuses: ['qa_passed', 'qa_failed'],
      limit: 25,
      offset: 50,
    });
  });

  it('treats a missing input as empty for parameterless requests', () => {
    expect(validateInput('app.info', undefined)).toEqual({});
  });

  it('fills the calibrator search defaults used operationally (2.5 deg strip, 1 Jy)', () => {
    expect(validateInput('calibrators.search', { decDeg: 54.57 })).toEqual({
      decDeg: 54.57,
      radiusDeg: 2.5,
      minFluxJy: 1,
      limit: 50,
    });
  });

  it('trims the reviewer name', () => {
    expect(validateInput('products.approve', { id: 'mosaic_2025-10-02T14.fits', reviewer: '  jdoe ' })).toEqual({
      id: 'mosaic_2025-10-02T14.fits',
      reviewer: 'jdoe',
    });
  });
});

describe('validateInput rejects bad inputs naming channel and field', () => {
  const cases: Array<[string, unknown, string]> = [
    ['products.list', { statuses: ['pending'] }, 'statuses[0]'],
    ['jobs.list', { limit: MAX_PAGE_SIZE + 1 }, 'limit'],
    ['jobs.list', { offset: -1 }, 'offset'],
    ['jobs.get', {}, 'id'],
    ['jobs.get', { id: '../etc/passwd' }, 'id'],
    ['calibrators.search', { decDeg: 91 }, 'decDeg'],
    ['calibrators.search', { decDeg: 50, minFluxJy: -1 }, 'minFluxJy'],
    ['products.approve', { id: 'p1', reviewer: '   ' }, 'reviewer'],
    ['products.reject', { id: 'p1', reviewer: 'jdoe' }, 'comment'],
    ['jobs.list', { state: 'running' }, 'state'],
    ['groups.list', { decMinDeg: 60, decMaxDeg: 50 }, 'decMinDeg'],
    ['ms.list', { startMjd: 60800.5, endMjd: 60800.1 }, 'startMjd'],
    ['images.list', { kinds: ['clean', 'dirtyy'] }, 'kinds[1]'],
  ];
  it.each(cases)('%s %j -> field %s', (channel, input, field) => {
    const e = failure(() => validateInput(channel, input));
    expect(e.code).toBe('invalid_input');
    expect(e.channel).toBe(channel);
    expect(e.field).toBe(field);
    expect(e.message).toContain(`"${channel}"`);
    expect(e.message).toContain(`"${field}"`);
  });

  it('rejects an unknown channel, listing the known ones', () => {
    const e = failure(() => validateInput('jobs.delete', {}));
    expect(e.field).toBe('(channel)');
    expect(e.message).toContain('jobs.list');
  });

  it('rejects a non-object input at the root', () => {
    const e = failure(() => validateInput('jobs.list', 'all'));
    expect(e.field).toBe('(root)');
  });
});

describe('validateEvent', () => {
  it('accepts a job state event and rejects a progress above 1', () => {
    expect(validateEvent('job.state', { job: job('j1', 'running') })).toEqual({ job: job('j1', 'running') });
    const e = failure(() =>
      validateEvent('job.progress', { jobId: 'j1', stageId: null, progress: 1.5, message: null }),
    );
    expect(e.channel).toBe('job.progress');
    expect(e.field).toBe('progress');
  });
});
