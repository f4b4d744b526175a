import { readEventStream } from '@internal/plugin-novahost-common';

/** A server-sent event with its data parsed as JSON. */
export type SseEvent = { event: string; id?: string; data: any };

/** Reads a server-sent events endpoint over fetch until `until` says stop, for tests. */
export async function readEvents(
  url: string,
  headers: Record<string, string>,
  opts: {
    until: (e: SseEvent, all: SseEvent[]) => boolean;
    timeoutMs?: number;
  },
): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs ?? 60_000);
  const events: SseEvent[] = [];
  try {
    const res = await fetch(url, { headers, signal: controller.signal });
    if (!res.ok)
      throw new Error(`SSE ${url}: ${res.status} ${await res.text()}`);
    for await (const { event, id, data } of readEventStream(res.body!)) {
      if (!data) continue;
      const e: SseEvent = { event, data: JSON.parse(data) };
      if (id !== undefined) e.id = id;
      events.push(e);
      if (opts.until(e, events)) {
        controller.abort();
        return events;
      }
    }
    return events;
  } catch (e) {
    if (controller.signal.aborted && events.length) return events;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
