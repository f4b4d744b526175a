/** A minimal server-sent events reader over fetch, for tests. */
export type SseEvent = { event: string; id?: string; data: any };

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
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return events;
      buffer += decoder.decode(value, { stream: true });
      for (
        let idx = buffer.indexOf('\n\n');
        idx !== -1;
        idx = buffer.indexOf('\n\n')
      ) {
        const frame = buffer.slice(0, idx);
        buffer = buffer.slice(idx + 2);
        const e: SseEvent = { event: 'message', data: undefined };
        let data = '';
        for (const line of frame.split('\n')) {
          if (line.startsWith(':')) continue;
          const [field, ...rest] = line.split(':');
          const text = rest.join(':').replace(/^ /, '');
          if (field === 'event') e.event = text;
          else if (field === 'id') e.id = text;
          else if (field === 'data') data += text;
        }
        if (!data) continue;
        e.data = JSON.parse(data);
        events.push(e);
        if (opts.until(e, events)) {
          controller.abort();
          return events;
        }
      }
    }
  } catch (e) {
    if (controller.signal.aborted && events.length) return events;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
