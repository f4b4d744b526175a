import { randomBytes, randomUUID } from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Deployment, service, startNovahostTestBackend, user } from './backend';
import {
  BareRepo,
  createBareRepo,
  RepoCommit,
  startGitHttpServer,
} from './gitHttpServer';
import {
  deliver,
  pullRequestPayload,
  pushPayload,
  startFakeCompareApi,
} from './githubWebhooks';

/** The webhook secret deliveries are signed with. */
export const WEBHOOK_SECRET = `whsec-${randomBytes(16).toString('hex')}`;
/** The integration's token: the Git server and the compare API want it. */
export const GIT_TOKEN = `ghp_${randomBytes(16).toString('hex')}`;

/** A site in `dir` whose build copies index.html to dist/, after `delayMs`. */
export const siteFiles = (dir: string, text: string, delayMs = 0) => ({
  [path.join(dir, 'index.html')]: text,
  [path.join(dir, 'delay')]: String(delayMs),
  [path.join(dir, 'build.js')]: `
const fs = require('fs');
setTimeout(() => {
  fs.mkdirSync('dist', { recursive: true });
  fs.copyFileSync('index.html', 'dist/index.html');
}, Number(fs.readFileSync('delay', 'utf8')));
`,
});

type Without<T> = Omit<T, 'origin' | 'repo'> & { repo?: string };

export type WebhookTestBackend = Awaited<
  ReturnType<typeof startWebhookTestBackend>
>;

/**
 * The Novahost test backend with the events backend and its GitHub module,
 * the repositories `repos` (name → first commits on main) on a real Git
 * smart-HTTP server that wants the integration's token, and GitHub's
 * compare API answered from them; plus the calls webhook suites make.
 * Payloads name `acme/site` unless they say `repo`.
 */
export async function startWebhookTestBackend(
  repos: Record<string, RepoCommit['files']>,
) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'novahost-webhooks-'));
  const bare: Record<string, BareRepo> = {};
  for (const [name, files] of Object.entries(repos)) {
    bare[name] = createBareRepo(root, name, { main: [{ files }] });
  }
  const git = await startGitHttpServer({ root, token: GIT_TOKEN });
  const compare = await startFakeCompareApi(root);
  const nh = await startNovahostTestBackend({
    events: true,
    config: {
      events: { modules: { github: { webhookSecret: WEBHOOK_SECRET } } },
      integrations: {
        github: [
          { host: git.host, apiBaseUrl: compare.apiBaseUrl, token: GIT_TOKEN },
        ],
      },
    },
    novahost: {
      proxy: { baseDomain: 'localhost', publicPort: 8080 },
      builds: { concurrency: 2, timeoutSeconds: 60 },
      runner: { type: 'local' },
    },
  });

  const webhook = async (projectId: string) =>
    (await nh.api.get(`/api/novahost/projects/${projectId}/webhook`).set(user))
      .body;

  return {
    nh,
    git,
    compare,
    repos: bare,
    async stop() {
      await nh.stop();
      await Promise.all([git.close(), compare.close()]);
      fs.rmSync(root, { recursive: true, force: true });
    },

    /** A project building `repo` from the Git server. */
    createProject: (name: string, repo: string, fields: object = {}) =>
      nh.createProject({
        name,
        repoUrl: git.url(repo),
        installCommand: 'true',
        buildCommand: 'node build.js',
        outputDirectory: 'dist',
        ...fields,
      }),

    /** Sends a signed delivery; expects 202; returns its id. */
    async send(event: string, payload: object, id = randomUUID()) {
      const res = await deliver(nh.api, event, payload, {
        secret: WEBHOOK_SECRET,
        id,
      });
      if (res.status !== 202) {
        throw new Error(`Delivery answered ${res.status} ${res.text}`);
      }
      return id;
    },

    push: (o: Without<Parameters<typeof pushPayload>[0]>) =>
      pushPayload({ origin: git.origin, repo: 'acme/site', ...o }),

    pr: (o: Without<Parameters<typeof pullRequestPayload>[0]>) =>
      pullRequestPayload({ origin: git.origin, repo: 'acme/site', ...o }),

    /** A project's deployments, newest first. */
    deploymentsOf: async (projectId: string): Promise<Deployment[]> =>
      (
        await nh.api
          .get(`/api/novahost/projects/${projectId}/deployments`)
          .set(user)
      ).body.items,

    /** GET /projects/:id/webhook. */
    webhook,

    /** The outcome of the newest delivery for the project's repository. */
    outcome: async (projectId: string): Promise<string | undefined> =>
      (await webhook(projectId)).lastDelivery?.outcome,

    finished: (d: Deployment) =>
      nh.waitForDeployment(d.id, x =>
        ['ready', 'failed', 'canceled'].includes(x.status),
      ),

    /** The labels of the project's routed aliases in the route table. */
    async aliases(projectId: string): Promise<string[]> {
      const table = (await nh.api.get('/api/novahost/routes').set(service))
        .body;
      const entry = table.projects.find(
        (p: { id: string }) => p.id === projectId,
      );
      return (entry?.aliases ?? []).map((a: { label: string }) => a.label);
    },

    /** Waits until `check` holds (10 s at most). */
    async eventually(check: () => Promise<boolean>) {
      const deadline = Date.now() + 10_000;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error('condition never held');
        await new Promise(r => setTimeout(r, 50));
      }
    },
  };
}
