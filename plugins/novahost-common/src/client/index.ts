export * from './NovahostApi';
export * from './NovahostClient';
export { errorMessage } from './errors';
