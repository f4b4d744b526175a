/** Whether a database error is a unique or primary key violation (Postgres or SQLite). */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return (
    err?.code === '23505' ||
    err?.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    err?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    /unique constraint/i.test(err?.message ?? '')
  );
}

// SQLite's IN lists are limited; batch large hash lists.
const CHUNK = 500;

/** Splits a list into batches small enough for an IN list or a multi-row insert. */
export function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) {
    out.push(items.slice(i, i + CHUNK));
  }
  return out;
}
