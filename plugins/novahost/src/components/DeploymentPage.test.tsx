import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { denyAll, type Decide } from '../__testUtils__/app';
import {
  projectHandler,
  renderDeploymentPage,
} from '../__testUtils__/deploymentPage';
import { iso, makeDeployment, sseBody } from '../__testUtils__/fixtures';
import {
  base,
  eventStream,
  notFoundHandlers,
  setupNovahostServer,
} from '../__testUtils__/server';
import { phaseDurations } from './DeploymentPage';
import { formatLogLine } from './useDeploymentLog';

// jsdom has no layout: give LogViewer's virtualized list a size.
jest.mock(
  'react-virtualized-auto-sizer',
  () => require('../__testUtils__/autoSizer').autoSizerMock,
);

const server = setupNovahostServer();

/** The deployment page, with the project it names its owner from. */
function render(id: string, authorize?: Decide) {
  server.use(projectHandler);
  return renderDeploymentPage(id, authorize);
}

const line = (seq: number, text: string, stream = 'stdout') => ({
  id: seq,
  event: 'log',
  data: { seq, ts: '2026-01-01T12:01:05.000Z', stream, text },
});

/** A build in progress: not uploading, not finished. */
const buildInProgress = () =>
  makeDeployment({ status: 'building', finishedAt: null, uploadingAt: null });

describe('phaseDurations', () => {
  it('measures queued, building and uploading', () => {
    const d = makeDeployment({
      createdAt: iso(0),
      startedAt: iso(5),
      uploadingAt: iso(65),
      finishedAt: iso(70),
    });
    expect(phaseDurations(d)).toEqual([5000, 60000, 5000, undefined]);
    const queued = makeDeployment({
      status: 'queued',
      createdAt: iso(0),
      startedAt: null,
      uploadingAt: null,
      finishedAt: null,
    });
    expect(phaseDurations(queued, Date.parse(iso(3)))).toEqual([
      3000,
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('formatLogLine', () => {
  it('prefixes the time and colours stderr', () => {
    expect(
      formatLogLine({
        seq: 1,
        ts: '2026-01-01T12:01:05.000Z',
        stream: 'stdout',
        text: 'hi\n',
      }),
    ).toBe('12:01:05 hi');
    expect(
      formatLogLine({
        seq: 1,
        ts: '2026-01-01T12:01:05.000Z',
        stream: 'stderr',
        text: 'no',
      }),
    ).toBe('12:01:05 \u001b[31mno\u001b[39m');
  });
});

describe('DeploymentView', () => {
  it('streams the build log live, reconnecting with the cursor, to the final status', async () => {
    const running = buildInProgress();
    let status = 'building';
    const afters: string[] = [];
    server.use(
      http.get(`${base}/deployments/${running.id}`, () =>
        HttpResponse.json(
          status === 'ready'
            ? {
                ...running,
                status: 'ready',
                uploadingAt: iso(80),
                finishedAt: iso(85),
              }
            : running,
        ),
      ),
      http.get(`${base}/deployments/${running.id}/logs`, ({ request }) => {
        const after = new URL(request.url).searchParams.get('after')!;
        afters.push(after);
        if (after === '0') {
          // The connection drops after two lines.
          return eventStream(
            sseBody([
              { event: 'status', data: { status: 'building' } },
              line(1, 'installing'),
              line(2, 'building the site'),
            ]),
          );
        }
        status = 'ready';
        return eventStream(
          sseBody([
            line(3, 'uploaded 3 files'),
            { event: 'status', data: { status: 'uploading' } },
            { event: 'finish', data: { status: 'ready', error: null } },
          ]),
        );
      }),
    );
    await render(running.id);
    await waitFor(() =>
      expect(screen.getByTestId('deployment-status')).toHaveTextContent(
        'Ready',
      ),
    );
    await waitFor(() =>
      expect(screen.getByText(/uploaded 3 files/)).toBeInTheDocument(),
    );
    expect(screen.getByText(/installing/)).toBeInTheDocument();
    expect(screen.getByText(/building the site/)).toBeInTheDocument();
    expect(afters).toEqual(['0', '2']);
    expect(await screen.findByText(/^Took/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeDisabled();
  });

  it('pauses following: the view freezes and counts the lines that arrive', async () => {
    const running = buildInProgress();
    let release!: () => void;
    const later = new Promise<void>(r => {
      release = r;
    });
    const encoder = new TextEncoder();
    server.use(
      http.get(`${base}/deployments/${running.id}`, () =>
        HttpResponse.json(running),
      ),
      http.get(`${base}/deployments/${running.id}/logs`, () => {
        const body = new ReadableStream({
          async start(controller) {
            controller.enqueue(
              encoder.encode(sseBody([line(1, 'first line')])),
            );
            await later;
            controller.enqueue(
              encoder.encode(
                sseBody([line(2, 'second line'), line(3, 'third line')]),
              ),
            );
          },
        });
        return new HttpResponse(body, {
          headers: { 'Content-Type': 'text/event-stream' },
        });
      }),
    );
    await render(running.id);
    await waitFor(() =>
      expect(screen.getByText(/first line/)).toBeInTheDocument(),
    );
    await userEvent.click(screen.getByRole('checkbox', { name: 'Follow' }));
    release();
    expect(await screen.findByText('2 new lines (paused)')).toBeInTheDocument();
    expect(screen.queryByText(/third line/)).toBeNull();
    await userEvent.click(screen.getByRole('checkbox', { name: 'Follow' }));
    await waitFor(() =>
      expect(screen.getByText(/third line/)).toBeInTheDocument(),
    );
    expect(screen.queryByText(/new lines? \(paused\)/)).toBeNull();
  });

  it('shows why a build failed', async () => {
    const failed = makeDeployment({
      status: 'failed',
      uploadingAt: null,
      error: 'Build command `npm run build` exited with code 2',
    });
    server.use(
      http.get(`${base}/deployments/${failed.id}`, () =>
        HttpResponse.json(failed),
      ),
      http.get(`${base}/deployments/${failed.id}/logs`, () =>
        eventStream(
          sseBody([
            line(1, 'sh: vite: not found', 'stderr'),
            {
              event: 'finish',
              data: { status: 'failed', error: failed.error },
            },
          ]),
        ),
      ),
    );
    await render(failed.id);
    expect(
      await screen.findByText(
        'Build command `npm run build` exited with code 2',
      ),
    ).toBeInTheDocument();
    expect(await screen.findByText(/vite: not found/)).toBeInTheDocument();
    expect(screen.getByText('building (failed)')).toBeInTheDocument();
  });

  it('shows a missing deployment as an error', async () => {
    server.use(
      ...notFoundHandlers("Deployment 'nope'", [
        '/deployments/nope',
        '/deployments/nope/logs',
      ]),
    );
    await render('nope');
    expect(
      (await screen.findAllByText(/Deployment 'nope' not found/)).length,
    ).toBeGreaterThan(0);
  });

  it('disables Cancel of a running build, with the reason, for a user who may not cancel', async () => {
    // Its own project id: decisions are cached per project for the file.
    const running = makeDeployment({
      status: 'building',
      finishedAt: null,
      uploadingAt: null,
      projectId: '44444444-4444-4444-8444-000000000001',
    });
    server.use(
      http.get(`${base}/deployments/${running.id}`, () =>
        HttpResponse.json(running),
      ),
      http.get(`${base}/deployments/${running.id}/logs`, () =>
        eventStream(sseBody([line(1, 'installing')])),
      ),
    );
    await render(running.id, denyAll);
    await waitFor(() =>
      expect(screen.getByTestId('disabled-reason-Cancel')).toHaveAttribute(
        'title',
        "Only the owner (group:default/team-a) or a Novahost admin can cancel this project's deployments",
      ),
    );
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeDisabled();
    expect(screen.getByTestId('deployment-status')).toHaveTextContent(
      'Building',
    );
  });

  it('enables Cancel of a running build for a user who may cancel', async () => {
    const running = buildInProgress();
    server.use(
      http.get(`${base}/deployments/${running.id}`, () =>
        HttpResponse.json(running),
      ),
      http.get(`${base}/deployments/${running.id}/logs`, () =>
        eventStream(sseBody([line(1, 'installing')])),
      ),
    );
    await render(running.id);
    const cancel = await screen.findByRole('button', { name: 'Cancel' });
    await waitFor(() => expect(cancel).toBeEnabled());
    expect(screen.queryByTestId('disabled-reason-Cancel')).toBeNull();
  });
});
