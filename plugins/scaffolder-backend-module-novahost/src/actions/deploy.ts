import { AuthService, DiscoveryService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { InputError } from '@backstage/errors';
import {
  deploymentUrl,
  gitRefSchema,
  isValidSlug,
  NovahostClient,
  productionUrl,
  readSiteUrlOptions,
} from '@internal/plugin-novahost-common';
import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import { novahostApiFor } from '../novahostApi';
import { examples } from './deploy.examples';

const DEFAULT_TIMEOUT_SECONDS = 900;

/**
 * `novahost:deploy` — starts a deployment and, with `wait`, follows its
 * build log into the task log until it is ready (or fails the task with the
 * build's error). The deployment is started inside a checkpoint, so a task
 * resumed after a restart follows the same deployment instead of starting
 * a second one.
 */
export function createNovahostDeployAction(options: {
  discovery: DiscoveryService;
  auth: AuthService;
  config: Config;
  /** First pause before reconnecting the log stream; doubles up to 10 s. */
  reconnectDelayMs?: number;
}) {
  return createTemplateAction({
    id: 'novahost:deploy',
    description:
      'Deploys a Novahost project; optionally waits for the build, streaming its log into the task log',
    examples,
    supportsDryRun: true,
    schema: {
      input: {
        projectId: z =>
          z
            .string()
            .min(1)
            .describe('Project id or slug (novahost:project:create output)'),
        ref: z =>
          z
            .string()
            .optional()
            .describe(
              "Branch, tag or commit to deploy (default: the project's branch)",
            ),
        wait: z =>
          z
            .boolean()
            .default(true)
            .describe(
              'Wait for the deployment to finish and stream its build log',
            ),
        timeoutSeconds: z =>
          z
            .number()
            .int()
            .positive()
            .default(DEFAULT_TIMEOUT_SECONDS)
            .describe('Longest wait for the build, in seconds'),
      },
      output: {
        deploymentId: z => z.string().describe('Deployment id'),
        url: z =>
          z
            .string()
            .describe(
              'The immutable URL of this deployment (<slug>-<shortId>)',
            ),
        status: z =>
          z
            .string()
            .describe(
              'Deployment status when the action ended (ready when waited for)',
            ),
      },
    },
    async handler(ctx) {
      const { projectId, ref } = ctx.input;
      const wait = ctx.input.wait ?? true;
      const timeoutSeconds =
        ctx.input.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
      if (ref !== undefined) {
        const parsed = gitRefSchema.safeParse(ref);
        if (!parsed.success) {
          throw new InputError(
            `Invalid ref '${ref}': ${parsed.error.issues[0].message}`,
          );
        }
      }

      if (ctx.isDryRun) {
        const urls = readSiteUrlOptions(options.config);
        const url = isValidSlug(projectId)
          ? deploymentUrl(projectId, 'dryrun00', urls)
          : productionUrl('dry-run', urls);
        ctx.logger.info(
          `Dry run: would deploy Novahost project '${projectId}'${
            ref ? ` at ${ref}` : ''
          }${wait ? ' and wait for it' : ''}`,
        );
        ctx.output('deploymentId', 'dry-run');
        ctx.output('url', url);
        ctx.output('status', wait ? 'ready' : 'queued');
        return;
      }

      const api = novahostApiFor({
        discovery: options.discovery,
        auth: options.auth,
        credentials: await ctx.getInitiatorCredentials(),
        retryDelayMs: options.reconnectDelayMs,
      });
      try {
        await deploy(api.client);
      } catch (e) {
        throw api.describeError(e);
      }

      async function deploy(client: NovahostClient) {
        const started = await ctx.checkpoint({
          key: `novahost.deploy.${ctx.step?.id ?? 'deploy'}.${projectId}`,
          fn: async () => {
            const d = await client.createDeployment(
              projectId,
              ref ? { ref } : {},
            );
            ctx.logger.info(`Deployment ${d.id} queued at ref ${d.ref}`);
            return { id: d.id, url: d.url, status: d.status as string };
          },
        });
        ctx.output('deploymentId', started.id);
        ctx.output('url', started.url);
        if (!wait) {
          ctx.output('status', started.status);
          return;
        }

        const result = await followDeployment({
          client,
          deploymentId: started.id,
          timeoutSeconds,
          signal: ctx.signal,
          log: (text, stream) =>
            stream === 'stderr' ? ctx.logger.warn(text) : ctx.logger.info(text),
        });
        ctx.output('status', result.status);
        if (result.status !== 'ready') {
          const deployment = await client.getDeployment(started.id);
          const exit =
            deployment.exitCode !== null
              ? ` (exit code ${deployment.exitCode})`
              : '';
          throw new Error(
            `Novahost deployment ${started.id} ${result.status}: ${
              result.error ?? deployment.error ?? 'no reason given'
            }${exit}`,
          );
        }
        ctx.logger.info(`Deployment ${started.id} is live at ${started.url}`);
      }
    },
  });
}

/**
 * Follows the log stream until `finish` (the client reconnects after the
 * last line seen when the connection drops). Cancels the deployment when
 * the task is canceled; gives up (leaving the build running) after the
 * timeout.
 */
async function followDeployment(opts: {
  client: NovahostClient;
  deploymentId: string;
  timeoutSeconds: number;
  signal?: AbortSignal;
  log: (text: string, stream: string) => void;
}): Promise<{ status: string; error: string | null }> {
  const { client, deploymentId } = opts;
  const timeout = AbortSignal.timeout(opts.timeoutSeconds * 1000);
  const signal = opts.signal
    ? AbortSignal.any([opts.signal, timeout])
    : timeout;
  let finish: { status: string; error: string | null } | undefined;
  // Resolves at `finish` or on abort; rejects when the server refuses.
  await client.streamLogs(deploymentId, {
    signal,
    onLog: line => opts.log(line.text, line.stream),
    onFinish: (status, error) => {
      finish = { status, error };
    },
  });
  if (finish) return finish;
  if (opts.signal?.aborted) {
    await client.cancelDeployment(deploymentId).catch(() => {});
    throw new Error(`Task canceled; canceled deployment ${deploymentId}`);
  }
  const now = await client.getDeployment(deploymentId).catch(() => undefined);
  throw new Error(
    `Novahost deployment ${deploymentId} did not finish within ${
      opts.timeoutSeconds
    } seconds (still ${now?.status ?? 'unknown'}); it keeps running`,
  );
}
