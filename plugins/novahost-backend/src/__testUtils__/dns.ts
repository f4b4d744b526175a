import dgram from 'dgram';

/**
 * A tiny authoritative DNS server over UDP for tests: answers TXT queries
 * from a map, NXDOMAIN for anything else.
 */
export async function startDnsServer() {
  const txt = new Map<string, string[]>();
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    // Question: name labels from byte 12, then QTYPE and QCLASS.
    let i = 12;
    const labels: string[] = [];
    while (msg[i] !== 0) {
      labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString('ascii'));
      i += msg[i] + 1;
    }
    const qEnd = i + 5;
    const qtype = msg.readUInt16BE(i + 1);
    const name = labels.join('.').toLowerCase();
    const values = qtype === 16 ? txt.get(name) : undefined;
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0); // id
    header.writeUInt16BE(values ? 0x8580 : 0x8583, 2); // response, AA, RD, RA; NXDOMAIN
    header.writeUInt16BE(1, 4); // one question
    header.writeUInt16BE(values ? values.length : 0, 6);
    const answers = (values ?? []).map(value => {
      const data = Buffer.from(value, 'ascii');
      const rr = Buffer.alloc(12);
      rr.writeUInt16BE(0xc00c, 0); // name: pointer to the question
      rr.writeUInt16BE(16, 2); // TXT
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(60, 6); // TTL
      rr.writeUInt16BE(data.length + 1, 10);
      return Buffer.concat([rr, Buffer.from([data.length]), data]);
    });
    socket.send(
      Buffer.concat([header, msg.subarray(12, qEnd), ...answers]),
      rinfo.port,
      rinfo.address,
    );
  });
  await new Promise<void>(r => socket.bind(0, '127.0.0.1', () => r()));
  const { port } = socket.address();
  return {
    server: `127.0.0.1:${port}`,
    txt,
    close: () => new Promise<void>(r => socket.close(() => r())),
  };
}
