/** An SSE body: `event`/`data` frames, `id:` for log lines. */
export function sseBody(
  events: Array<{ event: string; data: unknown; id?: number }>,
): string {
  return events
    .map(
      e =>
        `${e.id !== undefined ? `id: ${e.id}\n` : ''}event: ${
          e.event
        }\ndata: ${JSON.stringify(e.data)}\n\n`,
    )
    .join('');
}
