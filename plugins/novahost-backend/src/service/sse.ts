import { Response } from 'express';

/**
 * A server-sent events writer (as techdocs-backend's createEventStream):
 * `text/event-stream`, no buffering by proxies, keep-alive comments.
 */
export function createEventStream(res: Response, keepAliveMs = 15_000) {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  const flush = () => (res as unknown as { flush?: () => void }).flush?.();
  const timer = setInterval(() => {
    res.write(': ping\n\n');
    flush();
  }, keepAliveMs);
  timer.unref();
  let closed = false;
  res.on('close', () => {
    closed = true;
    clearInterval(timer);
  });
  return {
    get closed() {
      return closed;
    },
    send(event: string, data: unknown, id?: number) {
      if (closed) return;
      let frame = '';
      if (id !== undefined) frame += `id: ${id}\n`;
      frame += `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
      res.write(frame);
      flush();
    },
    end() {
      clearInterval(timer);
      if (!closed) res.end();
      closed = true;
    },
  };
}
