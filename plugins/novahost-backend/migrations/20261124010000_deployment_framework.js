// @ts-check

/**
 * The framework a deployment's build detected (an id like `vite`), null for
 * plain sites and for builds by programs that do not report one.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('novahost_deployments', table => {
    table.string('framework', 64).nullable();
  });
};

/**
 * SQLite drops a column by rebuilding the table, with foreign keys switched
 * off, which it allows only outside a transaction: inside one, the rebuild
 * cascades and deletes the deployments' logs. Both steps are single
 * statements on Postgres, so running without a transaction loses nothing.
 */
exports.config = { transaction: false };

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('novahost_deployments', table => {
    table.dropColumn('framework');
  });
};
