// @ts-check

/**
 * Ownership (permissions): `owner` becomes a full, lower-case entity ref
 * (`group:default/team-a`) that the IS_PROJECT_OWNER rule filters on, so it
 * is indexed; `entity_ref` links a project to its catalog entity, whose
 * `spec.owner` the project's owner follows.
 *
 * Existing free-text owners are normalized like the catalog's `spec.owner`
 * (a bare name is a group in the default namespace); what cannot be an
 * entity ref becomes null, which only admins and services may change.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('novahost_projects', table => {
    table.string('entity_ref', 255).nullable();
    table.index(['owner'], 'novahost_projects_owner_idx');
    table.index(['entity_ref'], 'novahost_projects_entity_ref_idx');
  });
  const rows = await knex('novahost_projects')
    .whereNotNull('owner')
    .select('id', 'owner');
  for (const row of rows) {
    const owner = normalizeOwner(row.owner);
    if (owner !== row.owner) {
      await knex('novahost_projects').where('id', row.id).update({ owner });
    }
  }
};

/** @param {string} raw */
function normalizeOwner(raw) {
  const match = /^(?:([a-z0-9]+):)?(?:([a-z0-9._-]+)\/)?([a-z0-9._-]+)$/i.exec(
    raw.trim(),
  );
  if (!match) return null;
  const kind = (match[1] ?? 'group').toLowerCase();
  if (kind !== 'group' && kind !== 'user') return null;
  return `${kind}:${match[2] ?? 'default'}/${match[3]}`.toLowerCase();
}

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('novahost_projects', table => {
    table.dropIndex(['entity_ref'], 'novahost_projects_entity_ref_idx');
    table.dropIndex(['owner'], 'novahost_projects_owner_idx');
    table.dropColumn('entity_ref');
  });
};

exports.config = { transaction: false };
