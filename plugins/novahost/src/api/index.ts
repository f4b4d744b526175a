// The API type and its client live in the common package, shared with the
// scaffolder actions; the frontend adds the ref that wires them into the app.
export type {
  LogStreamHandlers,
  LogStreamOptions,
  NovahostApi,
} from '@internal/plugin-novahost-common';
export { NovahostClient, errorMessage } from '@internal/plugin-novahost-common';
export { novahostApiRef } from './apiRef';
