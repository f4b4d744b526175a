/** Catalog annotation naming the Novahost project (its slug) of an entity. @public */
export const NOVAHOST_PROJECT_ANNOTATION = 'novahost.dev/project';

/**
 * Whether an entity names a Novahost project in its annotations.
 * Takes the plain entity shape so this package needs no catalog dependency.
 * @public
 */
export function isNovahostAvailable(entity: {
  metadata: { annotations?: Record<string, string> };
}): boolean {
  return Boolean(
    entity.metadata.annotations?.[NOVAHOST_PROJECT_ANNOTATION]?.trim(),
  );
}
