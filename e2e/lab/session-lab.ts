// The set-up most e2e/session-*.e2e.ts tests start from: a lab whose node "pod" runs podbgp's
// SessionManager in this process (podbgp.ts) and whose node "peer" runs a real daemon, joined by
// one veth link with addresses on both ends; and the per-test teardown that ends both.
// In: a lab name, the link's addresses (or other node names for labs of another shape), podbgp's
// local settings. Out: the Lab, the pod--peer link (ifA in pod, ifB in peer) and the Podbgp; the
// afterEach that perTest() registers kills podbgp (nothing sent, as kill -9) and destroys the lab,
// also when a test failed half-way through its set-up.
import type { LocalSettings } from '../../bgp/session/settings.ts';
import { Lab } from './lab.ts';
import type { LabLink, NodeOptions } from './lab.ts';
import { Podbgp } from './podbgp.ts';
import type { PodbgpOptions } from './podbgp.ts';

export interface PodPeerLinkOptions {
  /** Addresses with prefix length for the pod end and the peer end, e.g. ['10.0.1.1/24', '10.0.1.2/24']. */
  v4: readonly [string, string];
  v6?: readonly [string, string];
  /** More addresses (v4 or v6, with prefix length) on the pod end and on the peer end of the link. */
  podAddresses?: readonly string[];
  peerAddresses?: readonly string[];
}

/** A new lab with nodes "pod" and "peer" and one link between them carrying `options`' addresses. */
export async function createPodPeerLab(
  name: string,
  options: PodPeerLinkOptions,
): Promise<{ lab: Lab; link: LabLink }> {
  const lab = await Lab.create(name);
  try {
    await lab.addNode('pod');
    await lab.addNode('peer');
    const link = await lab.link('pod', 'peer', { v4: options.v4, v6: options.v6 });
    for (const cidr of options.podAddresses ?? []) await lab.addAddress('pod', link.ifA, cidr);
    for (const cidr of options.peerAddresses ?? []) await lab.addAddress('peer', link.ifB, cidr);
    return { lab, link };
  } catch (error) {
    await lab.destroy();
    throw error;
  }
}

/** The lab and podbgp of the running test; each is ended by teardown(). */
export class SessionLab {
  lab: Lab | undefined;
  pod: Podbgp | undefined;

  /** A SessionLab for the tests of the calling describe(), with an afterEach that tears it down. */
  static perTest(): SessionLab {
    const sessionLab = new SessionLab();
    afterEach(() => sessionLab.teardown());
    return sessionLab;
  }

  /** The pod--peer lab of createPodPeerLab, kept for teardown. */
  async podAndPeer(name: string, options: PodPeerLinkOptions): Promise<{ lab: Lab; link: LabLink }> {
    const made = await createPodPeerLab(name, options);
    this.lab = made.lab;
    return made;
  }

  /** A lab of another shape, kept for teardown: `nodes` created in order, with `options` by node name. */
  async nodes(
    name: string,
    nodes: readonly string[],
    options: Readonly<Record<string, NodeOptions>> = {},
  ): Promise<Lab> {
    const lab = await Lab.create(name);
    this.lab = lab;
    for (const node of nodes) await lab.addNode(node, options[node]);
    return lab;
  }

  /** podbgp's SessionManager listening in node "pod" (peers are added with addPeer). */
  async startPodbgp(local: LocalSettings, options: Omit<PodbgpOptions, 'local'> = {}): Promise<Podbgp> {
    if (this.lab === undefined) throw new Error('SessionLab.startPodbgp: create the lab first');
    this.pod = await Podbgp.start(this.lab, 'pod', { ...options, local });
    return this.pod;
  }

  /** Kills podbgp (nothing sent) and destroys the lab: namespaces, daemons, work dir. */
  async teardown(): Promise<void> {
    this.pod?.kill();
    this.pod = undefined;
    const lab = this.lab;
    this.lab = undefined;
    await lab?.destroy();
  }
}
