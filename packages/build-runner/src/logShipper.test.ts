import type { ShippedLine } from './protocol.ts';
import { LogShipper, lineSplitter } from './logShipper.ts';

describe('LogShipper', () => {
  it('resends a failed batch with the same sequence numbers, in order', async () => {
    const attempts: ShippedLine[][] = [];
    let fail = true;
    const shipper = new LogShipper({
      send: async lines => {
        attempts.push(lines);
        if (fail) {
          fail = false;
          throw new Error('backend restarting');
        }
      },
      secrets: ['hunter2-secret'],
      flushIntervalMs: 10_000,
    });
    shipper.line('stdout', 'one');
    shipper.line('stderr', 'password is hunter2-secret\r');
    await expect(shipper.flush()).rejects.toThrow('backend restarting');
    shipper.system('three');
    await shipper.flush();
    expect(attempts.map(a => a.map(l => l.seq))).toEqual([
      [1, 2],
      [1, 2, 3],
    ]);
    expect(attempts[1].map(l => [l.stream, l.text])).toEqual([
      ['stdout', 'one'],
      ['stderr', 'password is ***'],
      ['system', 'three'],
    ]);
    await shipper.flush();
    expect(attempts).toHaveLength(2);
  });

  it('masks common secret shapes before a line leaves the build', async () => {
    const sent: ShippedLine[] = [];
    const echoed: string[] = [];
    const shipper = new LogShipper({
      send: async lines => {
        sent.push(...lines);
      },
      echo: l => echoed.push(l.text),
      flushIntervalMs: 10_000,
    });
    shipper.line('stdout', 'GH_TOKEN=ghp_1234567890abcdefghijABCDEFGHIJ123456');
    shipper.line(
      'stderr',
      'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    );
    shipper.line('stdout', 'Authorization: Bearer abc.def.ghi');
    shipper.line('stdout', '-----BEGIN EC PRIVATE KEY-----');
    shipper.line(
      'stdout',
      'MHcCAQEEIBkg4LVWM9nuwNSk3yTHv6RkpAdbLYp7tNESaD9yP4zYoAoGCCqGSM49',
    );
    await shipper.flush();
    const expected = [
      'GH_TOKEN=ghp_***',
      'aws_secret_access_key=***',
      'Authorization: Bearer ***',
      '-----BEGIN EC PRIVATE KEY----- ***',
      '***',
    ];
    expect(sent.map(l => l.text)).toEqual(expected);
    expect(echoed).toEqual(expected);
  });
});

describe('lineSplitter', () => {
  it('splits on LF and CRLF and keeps multi-byte characters whole across chunks', () => {
    const lines: string[] = [];
    const s = lineSplitter(l => lines.push(l));
    const bytes = Buffer.from('a\r\ncafé\nlast');
    s.push(bytes.subarray(0, 6)); // splits inside 'é'
    s.push(bytes.subarray(6));
    s.end();
    expect(lines).toEqual(['a\r', 'café', 'last']);
  });
});
