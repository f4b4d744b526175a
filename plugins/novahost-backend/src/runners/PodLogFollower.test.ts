import { mockServices } from '@backstage/backend-test-utils';
import type { V1Pod } from '@kubernetes/client-node';
import type { RunnerLogLine } from '@internal/plugin-novahost-node';
import {
  FOLLOWED_SEQ_BASE,
  PodLogFollower,
  PodLogSource,
} from './PodLogFollower';
import { parseFollowedLine } from './podLogs';

const podIn = (
  state: 'waiting' | 'running' | 'terminated',
  phase = 'Pending',
): V1Pod => ({
  metadata: { name: 'nh-build-x-abcde' },
  status: {
    phase,
    initContainerStatuses: [
      {
        name: 'build',
        image: 'i',
        imageID: '',
        ready: state === 'running',
        restartCount: 0,
        state: {
          waiting: { waiting: { reason: 'PodInitializing' } },
          running: { running: {} },
          terminated: { terminated: { exitCode: 0 } },
        }[state],
      },
    ],
  },
});

/**
 * A container log that grows while "running": each stream replays it
 * from the start, then gets new lines until the container ends or the
 * stream is cut.
 */
function simulatedContainer() {
  const lines: string[] = [];
  let state: 'waiting' | 'running' | 'terminated' = 'waiting';
  const open = new Set<{
    onLine: (l: string) => void;
    end: (e?: Error) => void;
  }>();
  let streams = 0;
  const source: PodLogSource = {
    pod: async () => podIn(state),
    stream: (_pod, container, onLine, signal) =>
      new Promise<void>((resolve, reject) => {
        expect(container).toBe('build');
        streams++;
        lines.forEach(onLine);
        if (state === 'terminated') {
          resolve();
          return;
        }
        const s = {
          onLine,
          end: (e?: Error) => {
            open.delete(s);
            if (e) reject(e);
            else resolve();
          },
        };
        open.add(s);
        signal.addEventListener('abort', () => s.end());
      }),
  };
  return {
    source,
    get streams() {
      return streams;
    },
    start: () => {
      state = 'running';
    },
    print: (text: string) => {
      const raw = `2026-12-02T06:00:00.${String(lines.length).padStart(
        9,
        '0',
      )}Z ${text}`;
      lines.push(raw);
      open.forEach(s => s.onLine(raw));
    },
    cut: () => open.forEach(s => s.end(new Error('connection reset'))),
    exit: () => {
      state = 'terminated';
      open.forEach(s => s.end());
    },
  };
}

const follower = (
  source: PodLogSource,
  sink: (lines: RunnerLogLine[]) => Promise<void>,
) => {
  const f = new PodLogFollower({
    source,
    container: 'build',
    logger: mockServices.logger.mock(),
    pollMs: 10,
    flushMs: 5,
  });
  f.setSink((_id, lines) => sink(lines));
  return f;
};

describe('PodLogFollower', () => {
  it('reads tags and timestamps of the build step lines', () => {
    expect(
      parseFollowedLine('2026-12-02T06:00:00.123456789Z err boom'),
    ).toEqual({
      ts: new Date('2026-12-02T06:00:00.123Z'),
      stream: 'stderr',
      text: 'boom',
    });
    expect(parseFollowedLine('2026-12-02T06:00:00Z sys Running')).toMatchObject(
      { stream: 'system', text: 'Running' },
    );
    // Untagged: the program's own crash, or something written around it.
    expect(parseFollowedLine('2026-12-02T06:00:00Z Error: x')).toMatchObject({
      stream: 'stdout',
      text: 'Error: x',
    });
    expect(parseFollowedLine('out  two spaces')).toMatchObject({
      stream: 'stdout',
      text: ' two spaces',
    });
  });

  it('waits for the container, follows it across a cut stream, and delivers every line once', async () => {
    const c = simulatedContainer();
    const got: RunnerLogLine[] = [];
    const f = follower(c.source, async lines => {
      got.push(...lines);
    });
    const done = f.follow('d1');
    expect(f.isFollowing('d1')).toBe(true);
    await new Promise(r => setTimeout(r, 30));
    expect(c.streams).toBe(0); // not started: nothing to read yet
    c.start();
    c.print('sys Running build command: npm run build');
    c.print('out line 1');
    await new Promise(r => setTimeout(r, 50));
    c.cut();
    c.print('out line 2'); // while no stream is open
    await new Promise(r => setTimeout(r, 50));
    c.print('err line 3');
    c.exit();
    await done;
    expect(f.isFollowing('d1')).toBe(false);
    expect(c.streams).toBeGreaterThanOrEqual(2);
    // Read to its end: asking again (every reconcile does) reads nothing.
    const streams = c.streams;
    await f.follow('d1');
    expect(c.streams).toBe(streams);
    expect(
      got.map(l => [l.clientSeq - FOLLOWED_SEQ_BASE, l.stream, l.text]),
    ).toEqual([
      [1, 'system', 'Running build command: npm run build'],
      [2, 'stdout', 'line 1'],
      [3, 'stdout', 'line 2'],
      [4, 'stderr', 'line 3'],
    ]);
  });

  it("drains: resolves once the ended container's last lines are stored, or at the timeout", async () => {
    const c = simulatedContainer();
    const stored: string[] = [];
    let slow = true;
    const f = follower(c.source, async lines => {
      // A slow store: the lines arrive well after the container ended.
      if (slow) await new Promise(r => setTimeout(r, 200));
      stored.push(...lines.map(l => l.text));
    });
    void f.follow('d1');
    c.start();
    c.print('err something broke');
    c.exit();
    await f.drain('d1', 5000);
    expect(stored).toEqual(['something broke']);
    // Nothing followed: nothing to wait for.
    await f.drain('other', 5000);

    // A container that does not end: drain gives up at the timeout.
    const d = simulatedContainer();
    slow = false;
    const g = follower(d.source, async () => {});
    void g.follow('d2');
    d.start();
    const t0 = Date.now();
    await g.drain('d2', 100);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(90);
    expect(g.isFollowing('d2')).toBe(true);
    g.close();
  });

  it('numbers lines by position, so a new follower (a restarted backend) sends the same numbers', async () => {
    const c = simulatedContainer();
    c.start();
    for (let i = 1; i <= 5; i++) c.print(`out line ${i}`);
    c.exit();
    const runs: number[][] = [];
    for (let i = 0; i < 2; i++) {
      const got: number[] = [];
      await follower(c.source, async lines => {
        got.push(...lines.map(l => l.clientSeq));
      }).follow('d1');
      runs.push(got);
    }
    expect(runs[0]).toEqual([1, 2, 3, 4, 5].map(n => FOLLOWED_SEQ_BASE + n));
    expect(runs[1]).toEqual(runs[0]);
  });

  it('sends a batch again until the sink takes it, and stops when the pod is gone', async () => {
    const c = simulatedContainer();
    c.start();
    c.print('out once');
    c.exit();
    let attempts = 0;
    const stored: string[] = [];
    await follower(c.source, async lines => {
      if (++attempts < 3) throw new Error('database down');
      stored.push(...lines.map(l => l.text));
    }).follow('d1');
    expect(attempts).toBe(3);
    expect(stored).toEqual(['once']);

    const gone = follower(
      {
        pod: async () => 'gone',
        stream: () => Promise.reject(new Error('no')),
      },
      async () => {},
    );
    await gone.follow('d2');
    // A pod that failed before its build container started.
    const failedEarly = follower(
      {
        pod: async () => podIn('waiting', 'Failed'),
        stream: () => Promise.reject(new Error('no')),
      },
      async () => {},
    );
    await failedEarly.follow('d3');
  });
});
