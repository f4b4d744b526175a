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
 * Stores log lines and returns them with their sequence numbers. Numbers
 * are allocated from a counter on the deployment row, in the same
 * transaction as the insert, so they increase in commit order. Lines whose
 * clientSeq was already stored (a retried batch) are dropped.
 */
export async function appendLogs(
  db: Knex,
  deploymentId: string,
  lines: NewLogLine[],
): Promise<StoredLogLine[]> {
  if (lines.length === 0) return [];
  return db.transaction(async tx => {
    const fresh = await unseenLines(tx, deploymentId, lines);
    if (fresh.length === 0) return [];
    await tx(DEPLOYMENTS)
      .where({ id: deploymentId })
      .increment('log_seq', fresh.length);
    const row = await tx(DEPLOYMENTS)
      .where({ id: deploymentId })
      .first('log_seq');
    if (!row) return [];
    const first = Number(row.log_seq) - fresh.length + 1;
    const stored = fresh.map((l, i) => ({
      seq: first + i,
      ts: l.ts,
      stream: l.stream,
      text: l.text,
      clientSeq: l.clientSeq ?? null,
    }));
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
    return stored.map(({ seq, ts, stream, text }) => ({
      seq,
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
