import { expect } from 'chai';
import { createServer, connect, type Socket, type Server } from 'node:net';
import { once } from 'node:events';
import { OutputQueue } from './output-queue.ts';

describe('session/OutputQueue', () => {
  let server: Server;
  let client: Socket;
  let accepted: Socket;

  beforeEach(async () => {
    server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const acc = once(server, 'connection');
    client = connect(port, '127.0.0.1');
    await once(client, 'connect');
    accepted = (await acc)[0] as Socket;
  });
  afterEach(() => {
    client.destroy();
    accepted.destroy();
    server.close();
  });

  it('lets an urgent message overtake a large UPDATE backlog on a real socket', async () => {
    accepted.pause(); // the receiver stops reading: the sender's buffers fill up
    const q = new OutputQueue(client, { bulkLimit: 1 << 20 });
    client.on('drain', () => q.drained());
    const update = Buffer.alloc(4096, 0x55);
    let accepting = true;
    let n = 0;
    while (accepting && n < 10000) {
      accepting = q.pushBulk(update);
      n++;
    }
    expect(accepting, 'backpressure reported once over the limit').to.equal(false);
    expect(q.backlog).to.be.greaterThan(512 * 1024);
    expect(client.writableLength, 'the socket holds only up to its high-water mark').to.be.at.most(
      client.writableHighWaterMark + 4096,
    );

    // Everything handed to the socket so far precedes the keepalive; the backlog follows it.
    const ahead = client.bytesWritten;
    const behind = q.backlog;
    const keepalive = Buffer.alloc(19, 0xaa);
    q.pushUrgent(keepalive);
    // Read until the keepalive shows up: it must arrive long before the whole backlog.
    let received = 0;
    let found = -1;
    accepted.on('data', (chunk: Buffer) => {
      const i = chunk.indexOf(0xaa);
      if (found < 0 && i >= 0) found = received + i;
      received += chunk.length;
    });
    accepted.resume();
    while (found < 0) await new Promise((r) => setTimeout(r, 5));
    expect(found, 'keepalive position in the byte stream').to.equal(ahead);
    expect(behind).to.be.greaterThan(0);
  });

  it('calls drain waiters once the backlog falls under the limit', async () => {
    const q = new OutputQueue(client, { bulkLimit: 64 * 1024 });
    client.on('drain', () => q.drained());
    while (q.pushBulk(Buffer.alloc(4096, 1)));
    let drained = false;
    q.onDrain(() => (drained = true));
    expect(drained).to.equal(false);
    accepted.resume();
    while (!drained) await new Promise((r) => setTimeout(r, 5));
    expect(q.backlog).to.be.lessThan(64 * 1024);
  });
});
