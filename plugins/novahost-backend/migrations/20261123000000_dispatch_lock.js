// @ts-check

/**
 * A row every replica locks (SELECT … FOR UPDATE) while it counts running
 * builds and claims queued ones, so the concurrency limit holds across
 * backend replicas.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('novahost_locks', table => {
    table.string('name', 64).primary();
    table.timestamp('updated_at', { useTz: true }).nullable();
  });
  await knex('novahost_locks').insert({ name: 'dispatch', updated_at: null });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('novahost_locks');
};
