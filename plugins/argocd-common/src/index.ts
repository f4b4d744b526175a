/**
 * ArgoCD in Novahost's Backstage: the annotations entities use, the
 * Application fields shown, and the sync/refresh permissions.
 *
 * @packageDocumentation
 */
export * from './annotations';
export * from './permissions';
export * from './summary';
export * from './types';
