// @ts-check

/**
 * Projects, deployments (a state machine), their build logs, and the
 * content-addressed blob index used for upload dedupe and garbage collection.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('novahost_projects', table => {
    table.string('id', 36).primary();
    table.string('name', 100).notNullable().unique();
    table.string('slug', 63).notNullable().unique();
    table.text('repo_url').notNullable();
    table.string('branch', 255).notNullable();
    table.string('root_directory', 256).notNullable().defaultTo('');
    table.text('install_command').nullable();
    table.text('build_command').nullable();
    table.string('output_directory', 256).nullable();
    table.string('owner', 255).nullable();
    table.boolean('spa').notNullable().defaultTo(false);
    table.boolean('auto_promote').notNullable().defaultTo(true);
    table.string('production_deployment_id', 36).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('novahost_deployments', table => {
    table.string('id', 36).primary();
    table.string('short_id', 8).notNullable().unique();
    table
      .string('project_id', 36)
      .notNullable()
      .references('id')
      .inTable('novahost_projects')
      .onDelete('CASCADE');
    table.string('ref', 255).notNullable();
    table.string('commit_sha', 64).nullable();
    table.string('status', 16).notNullable();
    table.text('error').nullable();
    table.integer('exit_code').nullable();
    table.string('created_by', 255).nullable();
    // sha256 of the build token; the token itself is only ever in the runner's env.
    table.string('build_token_hash', 64).nullable();
    // What the runner needs to find its build again (pid, Job name).
    table.string('runner_handle', 255).nullable();
    table.integer('log_seq').notNullable().defaultTo(0);
    // The file list between the build's manifest call and finalize.
    table.text('pending_manifest').nullable();
    table.integer('stats_files').nullable();
    table.bigInteger('stats_bytes').nullable();
    table.integer('stats_new_blobs').nullable();
    table.bigInteger('stats_new_bytes').nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('started_at', { useTz: true }).nullable();
    table.timestamp('uploading_at', { useTz: true }).nullable();
    table.timestamp('finished_at', { useTz: true }).nullable();
    table.index(
      ['project_id', 'created_at'],
      'novahost_deployments_project_idx',
    );
    table.index(['status', 'created_at'], 'novahost_deployments_status_idx');
  });

  await knex.schema.createTable('novahost_deployment_logs', table => {
    table
      .string('deployment_id', 36)
      .notNullable()
      .references('id')
      .inTable('novahost_deployments')
      .onDelete('CASCADE');
    table.integer('seq').notNullable();
    // The build program's own line number: retried batches are ignored.
    table.integer('client_seq').nullable();
    table.timestamp('ts', { useTz: true }).notNullable();
    table.string('stream', 8).notNullable();
    table.text('text').notNullable();
    table.primary(['deployment_id', 'seq']);
    table.unique(['deployment_id', 'client_seq'], {
      indexName: 'novahost_deployment_logs_client_seq_uq',
    });
  });

  await knex.schema.createTable('novahost_blobs', table => {
    table.string('hash', 64).primary();
    table.bigInteger('size').notNullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
  });

  await knex.schema.createTable('novahost_deployment_blobs', table => {
    table
      .string('deployment_id', 36)
      .notNullable()
      .references('id')
      .inTable('novahost_deployments')
      .onDelete('CASCADE');
    table.string('hash', 64).notNullable();
    table.primary(['deployment_id', 'hash']);
    table.index(['hash'], 'novahost_deployment_blobs_hash_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('novahost_deployment_blobs');
  await knex.schema.dropTable('novahost_blobs');
  await knex.schema.dropTable('novahost_deployment_logs');
  await knex.schema.dropTable('novahost_deployments');
  await knex.schema.dropTable('novahost_projects');
};
