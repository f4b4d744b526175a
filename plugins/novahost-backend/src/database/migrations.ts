import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import { Knex } from 'knex';

/** The package's knex migrations (migrations/ at the package root). */
export const migrationsDir = resolvePackagePath(
  '@internal/plugin-novahost-backend',
  'migrations',
);

/** Opens the plugin's database and applies its migrations (unless skipped by config). */
export async function openDatabase(database: DatabaseService): Promise<Knex> {
  const client = await database.getClient();
  if (!database.migrations?.skip) {
    await client.migrate.latest({ directory: migrationsDir });
  }
  return client;
}
