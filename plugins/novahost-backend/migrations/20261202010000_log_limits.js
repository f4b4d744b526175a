// @ts-check

/**
 * Per deployment log limits: `log_bytes` counts the bytes of the stored
 * lines as `log_seq` counts the lines, and `log_truncated` is set once the
 * build's output went past a limit (later lines are dropped). Both are
 * updated with the lines, in the same transaction, so the limits hold
 * whichever replica stores a batch.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('novahost_deployments', table => {
    table.bigInteger('log_bytes').notNullable().defaultTo(0);
    table.boolean('log_truncated').notNullable().defaultTo(false);
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.alterTable('novahost_deployments', table => {
    table.dropColumn('log_truncated');
    table.dropColumn('log_bytes');
  });
};

/** Dropping columns rebuilds the table on SQLite: see 20261124010000. */
exports.config = { transaction: false };
