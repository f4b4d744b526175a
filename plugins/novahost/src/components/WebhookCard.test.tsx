import { renderInTestApp } from '@backstage/frontend-test-utils';
import type { WebhookStatus } from '@internal/plugin-novahost-common';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { testApp } from '../__testUtils__/app';
import { makeWebhookStatus } from '../__testUtils__/fixtures';
import { base, errorBody, setupNovahostServer } from '../__testUtils__/server';
import { WebhookCard } from './WebhookCard';

const server = setupNovahostServer();

/** The webhook route answering `answers` in turn (the last one repeats). */
function webhookAnswers(...answers: Array<WebhookStatus | 'error'>) {
  let calls = 0;
  server.use(
    http.get(`${base}/projects/my-site/webhook`, () => {
      const a = answers[Math.min(calls, answers.length - 1)];
      calls += 1;
      return a === 'error'
        ? errorBody(503, 'ServiceUnavailableError', 'events backend is down')
        : HttpResponse.json(a);
    }),
  );
  return () => calls;
}

const render = () =>
  renderInTestApp(<WebhookCard projectId="my-site" />, testApp());

describe('WebhookCard', () => {
  it('shows the setup, and a delivery once one has arrived', async () => {
    const calls = webhookAnswers(
      makeWebhookStatus(),
      makeWebhookStatus({
        lastDelivery: {
          id: '72d3162e-cc78-11e3-81ab-4c9367dc0958',
          event: 'push',
          receivedAt: new Date(Date.now() - 120_000).toISOString(),
          outcome: 'deployed',
        },
      }),
    );
    await render();
    expect(await screen.findByTestId('webhook-url')).toHaveTextContent(
      'http://backend/api/events/http/github',
    );
    expect(
      screen.getByRole('button', { name: 'Copy the webhook URL' }),
    ).toBeInTheDocument();
    expect(screen.getByText('application/json')).toBeInTheDocument();
    expect(screen.getByTestId('webhook-events')).toHaveTextContent(
      'push, pull_request',
    );
    expect(screen.getByTestId('webhook-secret')).toHaveTextContent(
      'Configured in events.modules.github.webhookSecret',
    );
    expect(screen.getByText('github.com/acme/my-site')).toBeInTheDocument();
    expect(screen.getByTestId('webhook-last-delivery')).toHaveTextContent(
      'No delivery has arrived yet.',
    );

    await userEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() =>
      expect(screen.getByTestId('webhook-last-delivery')).toHaveTextContent(
        /Last delivery 2m ago \(.+\): push → deployed/,
      ),
    );
    expect(
      screen
        .getByTestId('webhook-last-delivery')
        .querySelector('[aria-label="Status ok"]'),
    ).not.toBeNull();
    expect(calls()).toBe(2);
  });

  it('marks a delivery Novahost could not act on', async () => {
    webhookAnswers(
      makeWebhookStatus({
        lastDelivery: {
          id: 'd2',
          event: 'pull_request',
          receivedAt: new Date().toISOString(),
          outcome: 'failed: my-site: repository not reachable',
        },
      }),
    );
    await render();
    const check = await screen.findByTestId('webhook-last-delivery');
    expect(check).toHaveTextContent(
      /pull_request → failed: my-site: repository not reachable/,
    );
    expect(check.querySelector('[aria-label="Status error"]')).not.toBeNull();
  });

  it('says where to set a missing secret, and when no webhook can reach a local repository', async () => {
    webhookAnswers(
      makeWebhookStatus({ secretConfigured: false, repoKey: null }),
    );
    await render();
    expect(await screen.findByTestId('webhook-secret')).toHaveTextContent(
      'Not configured: set events.modules.github.webhookSecret in the app config; deliveries are refused until it is set',
    );
    expect(
      screen.getByText(/A local repository: no webhook can reach it/),
    ).toBeInTheDocument();
  });

  it('shows a failed check with a retry', async () => {
    webhookAnswers('error', makeWebhookStatus());
    await render();
    expect(
      await screen.findByText(
        /Could not load the webhook status: .*events backend is down/,
      ),
    ).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByTestId('webhook-url')).toBeInTheDocument();
  });
});
