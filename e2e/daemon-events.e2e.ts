// The API's event stream (WatchEvents) from the real daemon against a real BIRD: a client that
// watches sees the session come up (state events with the FSM's reasons) and each route change
// the RIB decides (a prefix with its next hops when BIRD announces it, with none when BIRD
// withdraws it).
import { expect } from 'chai';
import { Bird, Lab, waitFor } from './lab/index.ts';
import { PodbgpDaemon } from './lab/podbgp-daemon.ts';
import { ApiClient } from '../api/client.ts';
import type { ApiEvent } from '../api/daemon-api.ts';

const TOR = '10.0.0.1';

describe('e2e daemon: the API event stream with a real BIRD', function () {
  this.timeout(120_000);
  let lab: Lab | undefined;
  let client: ApiClient | undefined;

  after(async () => {
    client?.close();
    await lab?.destroy();
  });

  it('streams session changes and per-prefix route changes as they happen', async () => {
    lab = await Lab.create('d-events');
    await lab.addNode('node');
    await lab.addNode('tor');
    await lab.link('tor', 'node', { v4: [`${TOR}/30`, '10.0.0.2/30'] });
    const d = await PodbgpDaemon.start(lab, 'node', {
      asn: 65010,
      routerId: '10.0.0.2',
      accept: ['10.244.0.0/16'],
      peers: [{ address: TOR, asn: 65000, timers: { holdTime: 6, connectRetryTime: 1 } }],
    });
    client = new ApiClient({ socketPath: d.socket });
    const events: ApiEvent[] = [];
    void (async () => {
      try {
        for await (const e of client!.watchEvents()) events.push(e);
      } catch {
        // The stream ends when the client closes.
      }
    })();
    await new Promise((r) => setTimeout(r, 300)); // the stream is open before BIRD starts

    const birdConfig = (prefixes: string[]) => ({
      routerId: TOR,
      neighbors: [{ name: 'node', address: '10.0.0.2', localAs: 65000, remoteAs: 65010, holdTime: 6 }],
      staticRoutes: prefixes.map((prefix) => ({ prefix })),
    });
    const bird = await Bird.start(lab, 'tor', birdConfig(['10.244.20.0/24', '10.244.21.0/24']));
    await bird.waitEstablished('node');
    await waitFor(
      'session Established and both route events',
      () => Promise.resolve(events),
      (es) =>
        es.some((e) => e.kind === 'session' && e.state === 'Established') &&
        ['10.244.20.0/24', '10.244.21.0/24'].every((p) =>
          es.some((e) => e.kind === 'route' && e.prefix === p),
        ),
    );
    const up = events.find((e) => e.kind === 'session' && e.state === 'Established');
    expect(up).to.include({ peer: TOR, previousState: 'OpenConfirm' });
    const added = events.find((e) => e.kind === 'route' && e.prefix === '10.244.20.0/24');
    expect(added).to.deep.include({ nextHops: [TOR] });

    await bird.configure(birdConfig(['10.244.20.0/24']));
    const gone = await waitFor(
      'a route event withdrawing 10.244.21.0/24',
      () => Promise.resolve(events),
      (es) => es.some((e) => e.kind === 'route' && e.prefix === '10.244.21.0/24' && e.nextHops.length === 0),
    );
    expect(gone.filter((e) => e.kind === 'route' && e.prefix === '10.244.20.0/24')).to.have.length(1);
  });
});
