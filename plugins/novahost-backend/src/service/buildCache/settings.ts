import { Config } from '@backstage/config';

/** `novahost.builds.cache`: the build cache and its limits. */
export type BuildCacheSettings = {
  enabled: boolean;
  /** What a project's entries may keep in the store (distinct archives). */
  maxBytesPerProject: number;
  /** Largest archive (compressed) of one entry. */
  maxEntryBytes: number;
  /** Most file content one archive may unpack to. */
  maxUnpackedBytes: number;
};

export const DEFAULT_BUILD_CACHE: BuildCacheSettings = {
  enabled: true,
  maxBytesPerProject: 2 * 2 ** 30,
  maxEntryBytes: 512 * 2 ** 20,
  maxUnpackedBytes: 2 * 2 ** 30,
};

export function readBuildCacheSettings(config: Config): BuildCacheSettings {
  const c = config.getOptionalConfig('novahost.builds.cache');
  const number = (key: keyof BuildCacheSettings) => {
    const value =
      c?.getOptionalNumber(key) ?? (DEFAULT_BUILD_CACHE[key] as number);
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new Error(
        `novahost.builds.cache.${key} must be a positive whole number of bytes, got ${value}`,
      );
    }
    return value;
  };
  const settings = {
    enabled: c?.getOptionalBoolean('enabled') ?? true,
    maxBytesPerProject: number('maxBytesPerProject'),
    maxEntryBytes: number('maxEntryBytes'),
    maxUnpackedBytes: number('maxUnpackedBytes'),
  };
  if (settings.maxEntryBytes > settings.maxBytesPerProject) {
    throw new Error(
      'novahost.builds.cache.maxEntryBytes must not be larger than maxBytesPerProject',
    );
  }
  return settings;
}
