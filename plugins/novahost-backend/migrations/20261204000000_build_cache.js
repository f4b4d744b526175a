// @ts-check

/**
 * The build cache: entries of a project's cache, one archive each in the
 * store (`caches/ab/<sha256>`, content-addressed, so branches with the same
 * content share it). An entry is saved for one branch under the key of the
 * checkout that made it (a hash of its lockfile, package.json, Node and
 * package manager); builds restore their branch's entry of their key, or
 * the production branch's, or the newest. The least recently used go
 * first when a project is over its cap.
 *
 * A deployment remembers the key its clone step asked for (the publish
 * step saves under that key, not one it names itself), the archive it was
 * told to restore and the one it announced for upload (the local store's
 * endpoints serve and take only those).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('novahost_build_caches', table => {
    table.string('id', 36).primary();
    table
      .string('project_id', 36)
      .notNullable()
      .references('id')
      .inTable('novahost_projects')
      .onDelete('CASCADE');
    table.string('branch', 255).notNullable();
    // sha256 hex of what the entry's node_modules depends on.
    table.string('key', 64).notNullable();
    table.string('archive_hash', 64).notNullable();
    table.bigInteger('size').notNullable();
    // sha256 of the archive's listing: a build that changed nothing keeps it.
    table.string('fingerprint', 64).notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('last_used_at', { useTz: true }).notNullable();
    table.index(
      ['project_id', 'branch', 'key'],
      'novahost_build_caches_key_idx',
    );
    table.index(['archive_hash'], 'novahost_build_caches_archive_idx');
  });
  await knex.schema.alterTable('novahost_deployments', table => {
    table.string('cache_key', 64).nullable();
    table.string('cache_restored', 64).nullable();
    table.string('cache_upload', 64).nullable();
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('novahost_deployments', table => {
    table.dropColumn('cache_upload');
    table.dropColumn('cache_restored');
    table.dropColumn('cache_key');
  });
  await knex.schema.dropTable('novahost_build_caches');
};

/** Dropping columns rebuilds the table on SQLite: see 20261124010000. */
exports.config = { transaction: false };
