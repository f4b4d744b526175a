// @ts-check

/**
 * Custom domains of projects. A domain routes to the project's production
 * deployment once a DNS TXT record proves control of it.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('novahost_domains', table => {
    table.string('hostname', 253).primary();
    table
      .string('project_id', 36)
      .notNullable()
      .references('id')
      .inTable('novahost_projects')
      .onDelete('CASCADE');
    // The value the _novahost-challenge TXT record must hold.
    table.string('token', 64).notNullable();
    table.timestamp('verified_at', { useTz: true }).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.index(['project_id'], 'novahost_domains_project_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('novahost_domains');
};
