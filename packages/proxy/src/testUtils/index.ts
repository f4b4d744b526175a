/**
 * Test helpers of the proxy, for its own tests and benches and for other
 * packages' end-to-end tests: `@internal/novahost-proxy/testUtils`.
 */
export {
  startTestProxy,
  TEST_PROXY_TOKEN,
  type TestProxy,
  type TestProxyOptions,
} from './startTestProxy';
export {
  createStore,
  eventually,
  project,
  sha256,
  startFakeBackend,
  type FakeBackend,
  type TestStore,
} from './fixtures';
export { freePort, httpGet, sendRaw, type TestResponse } from './http';
export { MemoryLogger, type LogEntry } from '../logger';
