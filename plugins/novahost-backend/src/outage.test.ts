import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import fs from 'fs';
import os from 'os';
import path from 'path';
import request from 'supertest';
import { novahostPlugin } from './plugin';
import { createSiteRepo } from './__testUtils__/repo';
import { readEvents } from './__testUtils__/sse';

jest.setTimeout(60_000);

const user = { Authorization: mockCredentials.user.header() };

/** Redis is down for the whole life of this backend. */
describe('novahost with Redis unreachable', () => {
  it('starts, builds, and streams every log line and the final status from the database', async () => {
    const backend = await startTestBackend({
      features: [
        novahostPlugin,
        mockServices.rootConfig.factory({
          data: {
            novahost: {
              runner: { type: 'local' },
              store: {
                type: 'local',
                local: {
                  directory: fs.mkdtempSync(
                    path.join(os.tmpdir(), 'novahost-outage-'),
                  ),
                },
              },
              bus: { type: 'redis', redis: { url: 'redis://127.0.0.1:1' } },
            },
          },
        }),
      ],
    });
    try {
      const api = request(backend.server);
      const repo = createSiteRepo({
        files: { 'index.html': 'x' },
        lines: 10,
        delayMs: 20,
      });
      const project = (
        await api
          .post('/api/novahost/projects')
          .set(user)
          .send({ name: 'Outage', repoUrl: repo.dir })
      ).body;
      const d = (
        await api
          .post(`/api/novahost/projects/${project.id}/deployments`)
          .set(user)
          .send({})
      ).body;
      const port = (backend.server.address() as { port: number }).port;
      const events = await readEvents(
        `http://127.0.0.1:${port}/api/novahost/deployments/${d.id}/logs`,
        user,
        {
          until: e => e.event === 'finish',
          timeoutMs: 30_000,
        },
      );
      expect(events[events.length - 1].data).toEqual({
        status: 'ready',
        error: null,
      });
      const seqs = events.filter(e => e.event === 'log').map(e => e.data.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      expect(
        events.filter(e => /^build line/.test(e.data?.text ?? '')),
      ).toHaveLength(10);
    } finally {
      await backend.stop();
    }
  });
});
