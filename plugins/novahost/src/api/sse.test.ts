import { SseParser } from './sse';

describe('SseParser', () => {
  it('parses events split across chunks, with ids, comments and multi-line data', () => {
    const p = new SseParser();
    expect(p.push(': ping\n\nid: 1\nevent: lo')).toEqual([]);
    expect(
      p.push('g\ndata: {"a":1}\n\nevent: x\ndata: a\ndata: b\r\n\r'),
    ).toEqual([{ event: 'log', data: '{"a":1}', id: '1' }]);
    expect(p.push('\n')).toEqual([{ event: 'x', data: 'a\nb', id: undefined }]);
    expect(p.push('data:no-space\n\n')).toEqual([
      { event: 'message', data: 'no-space', id: undefined },
    ]);
  });

  it('ignores events without data', () => {
    const p = new SseParser();
    expect(p.push('event: finish\n\n')).toEqual([]);
  });
});
