import { isTerminalStatus, LogLine } from '@internal/plugin-novahost-common';
import { Request, Response } from 'express';
import { EventBus } from '../bus';
import { NovahostDatabase } from '../database/NovahostDatabase';
import { DeploymentRow } from '../database/tables';
import { toIso } from './mappers';
import { DeploymentEvent, deploymentChannel } from './channels';
import { createEventStream } from './sse';

const PAGE = 1000;
/** Catch up from the database this often, in case bus messages were lost (Redis down). */
const POLL_MS = 2000;

/**
 * Streams a deployment's log: every stored line after the cursor, then live
 * lines, then `finish` with the terminal status. Subscribes to the bus
 * *before* reading the database, and emits by strictly increasing seq, so
 * a line is neither lost between replay and live nor sent twice.
 */
export async function streamDeploymentLogs(opts: {
  req: Request;
  res: Response;
  db: NovahostDatabase;
  bus: EventBus;
  deployment: DeploymentRow;
  after: number;
}) {
  const { res, db, bus, deployment } = opts;
  const stream = createEventStream(res);
  let cursor = opts.after;
  let finished = false;
  const timers: { poll?: NodeJS.Timeout } = {};
  let pending: Promise<void> = Promise.resolve();

  const emit = (line: LogLine) => {
    if (line.seq <= cursor) return;
    cursor = line.seq;
    stream.send('log', line, line.seq);
  };

  // Reads every stored line after the cursor. Serialized with live handling.
  const catchUp = async () => {
    for (;;) {
      const rows = await db.readLogs(deployment.id, cursor, PAGE);
      for (const r of rows) {
        emit({
          seq: r.seq,
          ts: toIso(r.ts)!,
          stream: r.stream as LogLine['stream'],
          text: r.text,
        });
      }
      if (rows.length < PAGE || stream.closed) return;
    }
  };

  const finish = async (status: string, error: string | null) => {
    if (finished) return;
    finished = true;
    await catchUp(); // lines committed before the terminal transition
    stream.send('finish', { status, error });
    clearInterval(timers.poll);
    stream.end();
  };

  const enqueue = (fn: () => Promise<void>) => {
    pending = pending.then(fn).catch(() => stream.end());
  };

  const unsubscribe = await bus.subscribe(
    deploymentChannel(deployment.id),
    message => {
      const event = message as DeploymentEvent;
      enqueue(async () => {
        if (finished) return;
        if (event.type === 'log') {
          // A gap means a line we have not seen yet is in the database.
          if (event.lines.length && event.lines[0].seq > cursor + 1) {
            await catchUp();
          }
          event.lines.forEach(emit);
        } else if (isTerminalStatus(event.status)) {
          await finish(event.status, event.error);
        } else {
          stream.send('status', {
            status: event.status,
            commitSha: event.commitSha,
          });
        }
      });
    },
  );
  // The bus is fast but may drop messages (Redis outage): every line and
  // the final status are in the database, so a periodic catch-up bounds
  // the delay without ever losing or repeating a line.
  timers.poll = setInterval(() => {
    enqueue(async () => {
      if (finished) return;
      await catchUp();
      const now = await db.getDeployment(deployment.id);
      if (!now) await finish('canceled', 'Deployment deleted');
      else if (isTerminalStatus(now.status))
        await finish(now.status, now.error);
    });
  }, POLL_MS);
  timers.poll.unref();
  res.on('close', () => {
    clearInterval(timers.poll);
    unsubscribe();
  });

  enqueue(async () => {
    stream.send('status', {
      status: deployment.status,
      commitSha: deployment.commit_sha,
    });
    await catchUp();
    const now = await db.getDeployment(deployment.id);
    if (!now) {
      await finish('canceled', 'Deployment deleted');
    } else if (isTerminalStatus(now.status)) {
      await finish(now.status, now.error);
    }
  });
  await pending;
}
