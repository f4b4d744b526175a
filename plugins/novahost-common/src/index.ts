/**
 * Shared types, schemas and rules of Novahost.
 *
 * @packageDocumentation
 */
export * from './types';
export * from './hosts';
export * from './repos';
export * from './artifacts';
export * from './routes';
export * from './annotations';
export * from './schemas';
export * from './env';
export * from './dotenv';
export * from './responses';
export * from './frameworks';
export * from './sse';
export * from './client';
export * from './permissions';
