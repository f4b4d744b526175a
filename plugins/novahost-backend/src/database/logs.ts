import { Knex } from 'knex';
import { chunks } from './sqlHelpers';
import { DEPLOYMENTS, LOGS, LogRow } from './tables';

/** A log line about to be stored; `clientSeq` dedupes retried batches. */
export type NewLogLine = {
  clientSeq?: number;
  ts: Date;
  stream: string;
  text: string;
};

/** A stored log line with its sequence number. */
export type StoredLogLine = {
  seq: number;
  ts: Date;
  stream: string;
  text: string;
};

/** Drops lines whose clientSeq is already stored or repeated in the batch. */
async function unseenLines(
  tx: Knex.Transaction,
  deploymentId: string,
  lines: NewLogLine[],
): Promise<NewLogLine[]> {
  const clientSeqs = lines
    .map(l => l.clientSeq)
    .filter((s): s is number => typeof s === 'number');
  if (!clientSeqs.length) return lines;
  const seen = new Set<number>();
  for (const part of chunks(clientSeqs)) {
    const rows = await tx(LOGS)
      .where({ deployment_id: deploymentId })
      .whereIn('client_seq', part)
      .select('client_seq');
    rows.forEach((r: { client_seq: number }) => seen.add(r.client_seq));
  }
  const inBatch = new Set<number>();
  return lines.filter(l => {
    if (l.clientSeq === undefined) return true;
    if (seen.has(l.clientSeq) || inBatch.has(l.clientSeq)) return false;
    inBatch.add(l.clientSeq);
    return true;
  });
}

/**
 * How much of a build's output one deployment keeps. Past either limit the
 * log gets one system line saying so and every later line of the build is
 * dropped; the build itself goes on.
 */
export type LogLimits = { maxLines: number; maxBytes: number };

export function truncationNotice(
  lines: number,
  bytes: number,
  limits: LogLimits,
): string {
  return (
    `Log truncated after ${lines} lines / ${bytes} bytes (limits: ` +
    `${limits.maxLines} lines / ${limits.maxBytes} bytes per deployment); ` +
    'the build continues, its further output is not stored'
  );
}

type Counters = {
  log_seq: number;
  log_bytes: number | string;
  log_truncated: boolean | number;
};

/**
 * Stores log lines and returns them with their sequence numbers. The
 * deployment row is locked first: its counters (`log_seq`, `log_bytes`,
 * `log_truncated`) are read, checked against `limits` and written in the
 * same transaction as the insert, so numbers increase in commit order and
 * the limits hold across replicas. Lines whose clientSeq was already stored
 * (a retried batch) are dropped; so are, without error, lines past a limit
 * (the caller acknowledges them, so the build program does not retry).
 * Without `limits` (the platform's own lines) every line is stored.
 */
export async function appendLogs(
  db: Knex,
  deploymentId: string,
  lines: NewLogLine[],
  limits?: LogLimits,
): Promise<StoredLogLine[]> {
  if (lines.length === 0) return [];
  const isSqlite = /sqlite/i.test(String(db.client.config.client));
  return db.transaction(async tx => {
    const query = tx(DEPLOYMENTS)
      .where({ id: deploymentId })
      .select('log_seq', 'log_bytes', 'log_truncated');
    // SQLite has one writer at a time; FOR UPDATE is Postgres's row lock.
    const [counters]: Counters[] = await (isSqlite ? query : query.forUpdate());
    if (!counters) return [];
    const fresh = await unseenLines(tx, deploymentId, lines);
    let seq = Number(counters.log_seq);
    let bytes = Number(counters.log_bytes);
    let truncated = Boolean(counters.log_truncated);
    const stored: Array<StoredLogLine & { clientSeq: number | null }> = [];
    const store = (l: NewLogLine, clientSeq: number | null) => {
      stored.push({
        seq: ++seq,
        ts: l.ts,
        stream: l.stream,
        text: l.text,
        clientSeq,
      });
      bytes += Buffer.byteLength(l.text, 'utf8');
    };
    for (const line of fresh) {
      if (limits && truncated) continue;
      const size = Buffer.byteLength(line.text, 'utf8');
      if (
        limits &&
        (seq + 1 > limits.maxLines || bytes + size > limits.maxBytes)
      ) {
        truncated = true;
        const text = truncationNotice(seq, bytes, limits);
        store({ ts: line.ts, stream: 'system', text }, null);
        continue;
      }
      store(line, line.clientSeq ?? null);
    }
    if (stored.length === 0) return [];
    await tx(DEPLOYMENTS).where({ id: deploymentId }).update({
      log_seq: seq,
      log_bytes: bytes,
      log_truncated: truncated,
    });
    for (const part of chunks(stored)) {
      await tx(LOGS).insert(
        part.map(l => ({
          deployment_id: deploymentId,
          seq: l.seq,
          client_seq: l.clientSeq,
          ts: l.ts,
          stream: l.stream,
          text: l.text,
        })),
      );
    }
    return stored.map(({ seq: n, ts, stream, text }) => ({
      seq: n,
      ts,
      stream,
      text,
    }));
  });
}

/** Stored lines after `afterSeq`, in order. */
export async function readLogs(
  db: Knex,
  deploymentId: string,
  afterSeq: number,
  limit: number,
): Promise<LogRow[]> {
  return db<LogRow>(LOGS)
    .where({ deployment_id: deploymentId })
    .andWhere('seq', '>', afterSeq)
    .orderBy('seq', 'asc')
    .limit(limit);
}
