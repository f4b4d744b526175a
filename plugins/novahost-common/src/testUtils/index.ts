/**
 * Test fixtures for packages that talk to the Novahost API: answers as the API gives them and
 * SSE bodies. Callers pass their own overrides.
 *
 * @packageDocumentation
 */
export { makeDeployment, makeProject } from './fixtures';
export { sseBody } from './sse';
