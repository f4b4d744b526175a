import { mockCredentials } from '@backstage/backend-test-utils';
import {
  startTestProxy,
  type TestProxy,
} from '@internal/novahost-proxy/testUtils';
import type { NovahostTestBackend } from './backend';

/**
 * The real proxy on `port`, serving what the test backend `nh` stored: its
 * routes from the backend (with a service token), its blobs from the
 * backend's local store directory.
 */
export function startProxyFor(
  nh: NovahostTestBackend,
  port: number,
): Promise<TestProxy> {
  return startTestProxy({
    routes: {
      backendUrl: nh.baseUrl,
      token: mockCredentials.service.token(),
    },
    store: nh.storeDir,
    port,
    config: { accessLog: false },
  });
}
