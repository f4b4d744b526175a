// @ts-check

/**
 * Git integration: deployments know their target (production | preview),
 * branch, pull request and what started them; projects are matched to
 * webhook deliveries by `repo_key` (host/owner/name) and may skip pushes
 * outside their watch paths; each branch has a stable alias that serves its
 * newest ready deployment; webhook deliveries are remembered by id so a
 * redelivery starts nothing new.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.alterTable('novahost_projects', table => {
    table.string('repo_key', 512).nullable();
    // JSON array of repository-relative path prefixes; null: the root directory.
    table.text('watch_paths').nullable();
    table.boolean('allow_fork_previews').notNullable().defaultTo(false);
    table.index(['repo_key'], 'novahost_projects_repo_key_idx');
  });
  await knex.schema.alterTable('novahost_deployments', table => {
    table.string('target', 16).notNullable().defaultTo('production');
    table.string('branch', 255).nullable();
    table.integer('pr_number').nullable();
    // manual | push | pull_request | redeploy
    table.string('source', 16).notNullable().defaultTo('manual');
    // Built from a fork's pull request: no secrets reach it.
    table.boolean('fork').notNullable().defaultTo(false);
    table.index(
      ['project_id', 'branch', 'status'],
      'novahost_deployments_branch_idx',
    );
  });
  // Existing deployments of a branch name keep it as their branch.
  await knex('novahost_deployments')
    .whereRaw('length(ref) < 40')
    .update({ branch: knex.ref('ref') });
  await knex.schema.createTable('novahost_aliases', table => {
    table
      .string('project_id', 36)
      .notNullable()
      .references('id')
      .inTable('novahost_projects')
      .onDelete('CASCADE');
    table.string('branch', 255).notNullable();
    // The DNS label `<slug>-git-<branch>` (hashed when too long or taken).
    table.string('label', 63).notNullable().unique();
    // The branch's newest ready deployment; null until one is ready.
    table.string('deployment_id', 36).nullable();
    table.integer('pr_number').nullable();
    // The pull request's Novahost comment, updated on every deployment.
    table.string('pr_comment_id', 64).nullable();
    // Closed pull request or deleted branch: not routed, deleted later.
    table.timestamp('removed_at', { useTz: true }).nullable();
    table.timestamp('created_at', { useTz: true }).notNullable();
    table.timestamp('updated_at', { useTz: true }).notNullable();
    table.primary(['project_id', 'branch']);
  });
  await knex.schema.createTable('novahost_webhook_deliveries', table => {
    table.string('delivery_id', 128).primary();
    table.string('event', 64).notNullable();
    table.string('repo_key', 512).nullable();
    // What Novahost did with it, shown in the webhook check.
    table.text('outcome').nullable();
    table.timestamp('received_at', { useTz: true }).notNullable();
    table.index(['repo_key', 'received_at'], 'novahost_deliveries_repo_idx');
  });
};

/** @param {import('knex').Knex} knex */
exports.down = async function down(knex) {
  await knex.schema.dropTable('novahost_webhook_deliveries');
  await knex.schema.dropTable('novahost_aliases');
  await knex.schema.alterTable('novahost_deployments', table => {
    table.dropIndex([], 'novahost_deployments_branch_idx');
    table.dropColumn('fork');
    table.dropColumn('source');
    table.dropColumn('pr_number');
    table.dropColumn('branch');
    table.dropColumn('target');
  });
  await knex.schema.alterTable('novahost_projects', table => {
    table.dropIndex([], 'novahost_projects_repo_key_idx');
    table.dropColumn('allow_fork_previews');
    table.dropColumn('watch_paths');
    table.dropColumn('repo_key');
  });
};

/** Dropping columns rebuilds the table on SQLite: see 20261124010000. */
exports.config = { transaction: false };
