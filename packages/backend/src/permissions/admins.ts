import { Config } from '@backstage/config';
import { normalizeEntityRef } from '@internal/plugin-novahost-common';

/** The config key that lists Novahost's admins. */
export const ADMINS_CONFIG_KEY = 'novahost.admins';

/**
 * Reads `novahost.admins`: group or user entity refs whose members may do
 * everything. A bare name is a group in the default namespace
 * (`platform` = `group:default/platform`). Refs come back full and
 * lower-cased, the form they are compared in.
 */
export function readAdmins(config: Config): string[] {
  const refs = config.getOptionalStringArray(ADMINS_CONFIG_KEY) ?? [];
  return refs.map((ref, index) => {
    try {
      return normalizeEntityRef(ref);
    } catch (error) {
      throw new Error(
        `${ADMINS_CONFIG_KEY}[${index}] is not an entity ref: ${
          (error as Error).message
        }`,
      );
    }
  });
}
