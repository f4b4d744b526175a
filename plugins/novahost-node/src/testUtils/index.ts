/**
 * Test helpers for packages that use the Novahost stores.
 *
 * @packageDocumentation
 */
export { startS3Server } from './s3';
