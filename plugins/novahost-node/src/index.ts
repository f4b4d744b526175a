/**
 * Node code shared by the Novahost backend and proxy.
 *
 * @packageDocumentation
 */
export { mapLimit } from './mapLimit';
