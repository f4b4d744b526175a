/** Catalog annotation naming the Novahost project (its slug) of an entity. @public */
export const NOVAHOST_PROJECT_ANNOTATION = 'novahost.dev/project';
