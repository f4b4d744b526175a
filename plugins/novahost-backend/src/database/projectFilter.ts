import {
  isAndCriteria,
  isNotCriteria,
  isOrCriteria,
} from '@backstage/plugin-permission-node';
import type { PermissionCriteria } from '@backstage/plugin-permission-common';
import type { NovahostProjectFilter } from '@internal/plugin-novahost-node';
import { Knex } from 'knex';

/** The columns a permission rule may filter projects on. */
const COLUMNS: Record<NovahostProjectFilter['key'], string> = {
  owner: 'owner',
};

/**
 * Applies a conditional permission decision (rules turned into filters by
 * the permission framework) to a projects query as one WHERE clause, so
 * pages and counts come from the database, never from a page filtered in
 * memory.
 */
export function whereProjectFilter(
  q: Knex.QueryBuilder,
  criteria: PermissionCriteria<NovahostProjectFilter>,
): void {
  if (isAndCriteria(criteria)) {
    q.where(b => {
      for (const c of criteria.allOf) b.andWhere(s => whereProjectFilter(s, c));
    });
  } else if (isOrCriteria(criteria)) {
    q.where(b => {
      for (const c of criteria.anyOf) b.orWhere(s => whereProjectFilter(s, c));
    });
  } else if (isNotCriteria(criteria)) {
    q.whereNot(b => whereProjectFilter(b, criteria.not));
  } else if (criteria.values.length === 0) {
    q.whereRaw('1 = 0');
  } else {
    q.whereIn(COLUMNS[criteria.key], criteria.values);
  }
}
