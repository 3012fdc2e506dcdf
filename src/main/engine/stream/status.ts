// What the streaming daemon is doing, from the database alone (any process can ask): the queue by
// state, throughput, latency from a group's last file to its image, the daemon's liveness and
// intake, the latest errors and refused files; and the same as Prometheus text for `dsa110 serve`.
import { nowMjd } from '../../../shared/model/common';
import type { StreamState } from '../../../shared/model/stream';
import { STREAM_STATES } from '../../../shared/model/stream';
import type { Database, StreamDaemonState, StreamReject } from '../db';
import { pidExists } from '../db/owner';

export interface StreamStatus {
  daemon: (StreamDaemonState & { alive: boolean }) | null;
  queue: Record<StreamState, number>;
  /** Groups completed in the last hour, and per hour since the daemon started. */
  completedLastHour: number;
  ratePerHour: number | null;
  /** Seconds from a group's last file to its image registered, over the completed groups. */
  latencyS: { count: number; p50: number | null; p99: number | null; max: number | null; sum: number };
  attempts: number;
  lastErrors: { groupId: string; state: StreamState; error: string; attempts: number }[];
  notes: { groupId: string; note: string }[];
  rejected: StreamReject[];
  rejectedTotal: number;
}

/** The q-quantile of sorted values (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? null;
}

export function streamStatus(db: Database): StreamStatus {
  const d = db.stream.daemon();
  const now = nowMjd();
  // Alive: the recorded process exists, has not said it stopped, and beat in the last minute.
  const alive = d ? d.stoppedMjd === null && pidExists(d.pid) && (now - d.heartbeatMjd) * 86400 < 60 : false;
  const lat = db.stream.latenciesS();
  const sorted = lat.map((l) => l.latencyS).sort((a, b) => a - b);
  const lastHour = lat.filter((l) => l.finishedMjd >= now - 1 / 24).length;
  const sinceStart = d ? lat.filter((l) => l.finishedMjd >= d.startedMjd).length : 0;
  const hours = d ? ((d.stoppedMjd ?? now) - d.startedMjd) * 24 : 0;
  const all = db.stream.list();
  return {
    daemon: d ? { ...d, alive } : null,
    queue: db.stream.counts(),
    completedLastHour: lastHour,
    ratePerHour: hours > 0 ? sinceStart / hours : null,
    latencyS: {
      count: sorted.length,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: sorted.length ? (sorted[sorted.length - 1] ?? null) : null,
      sum: sorted.reduce((a, b) => a + b, 0),
    },
    attempts: db.stream.attemptsTotal(),
    lastErrors: all
      .filter((g) => g.lastError !== null)
      .sort((a, b) => b.updatedMjd - a.updatedMjd)
      .slice(0, 10)
      .map((g) => ({ groupId: g.groupId, state: g.state, error: g.lastError ?? '', attempts: g.attempts })),
    notes: all
      .filter((g) => g.note !== null && /partial|late|deleted|interrupted/.test(g.note))
      .slice(-10)
      .map((g) => ({ groupId: g.groupId, note: g.note ?? '' })),
    rejected: db.stream.rejects(10),
    rejectedTotal: db.stream.rejectCount(),
  };
}

function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** The status in the Prometheus text exposition format (version 0.0.4). */
export function streamMetrics(db: Database): string {
  const s = streamStatus(db);
  const out: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, v] of samples) out.push(`${name}${labels} ${Number.isFinite(v) ? v : 'NaN'}`);
  };
  metric(
    'dsa110_stream_groups',
    'gauge',
    'Groups in the streaming queue by state.',
    STREAM_STATES.map((st) => [`{state="${esc(st)}"}`, s.queue[st]]),
  );
  metric('dsa110_stream_up', 'gauge', '1 when the streaming daemon is running and beating.', [
    ['', s.daemon?.alive ? 1 : 0],
  ]);
  metric('dsa110_stream_intake_paused', 'gauge', '1 while intake is paused (low disk space).', [
    ['', s.daemon?.alive && s.daemon.paused ? 1 : 0],
  ]);
  if (s.daemon?.freeBytes !== null && s.daemon?.freeBytes !== undefined)
    metric('dsa110_stream_free_bytes', 'gauge', 'Free bytes of the workspace file system at the last check.', [
      ['', s.daemon.freeBytes],
    ]);
  metric(
    'dsa110_stream_attempts',
    'gauge',
    'Processing attempts recorded over all groups (an interrupted one is not counted).',
    [['', s.attempts]],
  );
  metric('dsa110_stream_rejected_files', 'gauge', 'Files refused by the watcher (unreadable, conflicting).', [
    ['', s.rejectedTotal],
  ]);
  metric('dsa110_stream_completed_last_hour', 'gauge', 'Groups completed in the last hour.', [
    ['', s.completedLastHour],
  ]);
  const l = s.latencyS;
  out.push(
    "# HELP dsa110_stream_latency_seconds Seconds from a group's last subband file to its image registered.",
    '# TYPE dsa110_stream_latency_seconds summary',
    `dsa110_stream_latency_seconds{quantile="0.5"} ${l.p50 ?? 'NaN'}`,
    `dsa110_stream_latency_seconds{quantile="0.99"} ${l.p99 ?? 'NaN'}`,
    `dsa110_stream_latency_seconds_sum ${l.sum}`,
    `dsa110_stream_latency_seconds_count ${l.count}`,
  );
  return `${out.join('\n')}\n`;
}
