import { Knex } from 'knex';
import { chunks } from './sqlHelpers';
import { BLOBS, BlobRow, DEPLOYMENT_BLOBS } from './tables';

/** The content-addressed blob index: upload dedupe and garbage collection. */

export async function existingBlobs(
  db: Knex,
  hashes: string[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (const part of chunks(hashes)) {
    const rows = await db<BlobRow>(BLOBS).whereIn('hash', part).select('hash');
    rows.forEach(r => found.add(r.hash));
  }
  return found;
}

export async function insertBlobs(
  db: Knex,
  blobs: Array<{ hash: string; size: number }>,
): Promise<void> {
  const now = new Date();
  for (const part of chunks(blobs)) {
    await db(BLOBS)
      .insert(part.map(b => ({ hash: b.hash, size: b.size, created_at: now })))
      .onConflict('hash')
      .ignore();
  }
}

export async function insertBlob(
  db: Knex,
  hash: string,
  size: number,
): Promise<void> {
  await db(BLOBS)
    .insert({ hash, size, created_at: new Date() })
    .onConflict('hash')
    .ignore();
}

/** Records which blobs a deployment uses, so garbage collection keeps them. */
export async function addDeploymentBlobs(
  db: Knex,
  deploymentId: string,
  hashes: string[],
): Promise<void> {
  for (const part of chunks(hashes)) {
    await db(DEPLOYMENT_BLOBS)
      .insert(part.map(hash => ({ deployment_id: deploymentId, hash })))
      .onConflict(['deployment_id', 'hash'])
      .ignore();
  }
}

/**
 * Removes blob index rows that no deployment references any more, among
 * `candidates`, and returns their hashes (the caller deletes the content).
 */
export async function collectUnreferencedBlobs(
  db: Knex,
  candidates: string[],
): Promise<string[]> {
  const removed: string[] = [];
  for (const part of chunks(candidates)) {
    await db.transaction(async tx => {
      const rows = await tx(BLOBS)
        .whereIn('hash', part)
        .whereNotExists(
          tx(DEPLOYMENT_BLOBS)
            .select(tx.raw('1'))
            .whereRaw(`${DEPLOYMENT_BLOBS}.hash = ${BLOBS}.hash`),
        )
        .select('hash');
      const hashes = rows.map((r: { hash: string }) => r.hash);
      if (hashes.length) {
        await tx(BLOBS).whereIn('hash', hashes).delete();
        removed.push(...hashes);
      }
    });
  }
  return removed;
}

export async function blobsOfDeployments(
  db: Knex,
  deploymentIds: string[],
): Promise<string[]> {
  const out = new Set<string>();
  for (const part of chunks(deploymentIds)) {
    const rows = await db(DEPLOYMENT_BLOBS)
      .whereIn('deployment_id', part)
      .select('hash');
    rows.forEach((r: { hash: string }) => out.add(r.hash));
  }
  return [...out];
}
