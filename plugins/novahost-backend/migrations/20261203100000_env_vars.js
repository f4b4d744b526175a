// @ts-check

/**
 * Project environment variables. One row per name and target (production,
 * preview): the same name may have a value per target. The rows one write
 * set together share `entry_id`, so the API lists them as one variable.
 * A plain variable keeps its value; a secret keeps only its AES-256-GCM
 * ciphertext, IV, auth tag and the id of the key that encrypted it
 * (service/secrets/SecretBox.ts), never the clear value.
 *
 * Deployments remember whether they may use the build cache (a "Redeploy
 * without cache" may not).
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('novahost_env_vars', table => {
    table
      .string('project_id', 36)
      .notNullable()
      .references('id')
      .inTable('novahost_projects')
      .onDelete('CASCADE');
    table.string('name', 256).notNullable();
    // production | preview
    table.string('target', 16).notNullable();
    table.string('entry_id', 36).notNullable();
    table.boolean('secret').notNullable().defaultTo(false);
    // Plain variables only.
    table.text('value').nullable();
    // Secrets only: base64 of the ciphertext, IV and GCM tag.
    table.text('ciphertext').nullable();
    table.string('iv', 32).nullable();
    table.string('auth_tag', 32).nullable();
    table.string('key_id', 32).nullable();
    // UTF-8 length of the value, for the per-target limit.
    table.integer('value_bytes').notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.string('updated_by', 255).nullable();
    table.primary(['project_id', 'name', 'target']);
    table.index(['key_id'], 'novahost_env_vars_key_idx');
  });
  await knex.schema.alterTable('novahost_deployments', table => {
    table.boolean('build_cache').notNullable().defaultTo(true);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('novahost_deployments', table => {
    table.dropColumn('build_cache');
  });
  await knex.schema.dropTable('novahost_env_vars');
};

/** Dropping columns rebuilds the table on SQLite: see 20261124010000. */
exports.config = { transaction: false };
