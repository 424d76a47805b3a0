// Builds the demo lab from the address plan and starts its daemons: namespaces (tor, nodeN,
// podN), veth links with addresses, the pods' default routes, the ToR daemon (BIRD, FRR or
// podbgp) and one real `podbgp run` per node, each a separate process inside its node.
//
// In: DemoLab, DemoTopology. Out: the started daemons' API sockets; errors name the failing step.
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { stringify } from 'yaml';
import type { DemoLab } from './lab.ts';
import { POD_LEN, UPLINK_LEN, type DemoTopology, type TorKind } from './topology.ts';
import { birdTorConfig, frrTorConfig, nodeConfig, podbgpTorConfig } from './configs.ts';

export const PODBGP_BIN = fileURLToPath(new URL('../../bin/podbgp', import.meta.url));
const FRR_DAEMONS = '/usr/lib/frr';

function onPath(program: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' }).status === 0;
}

/** Whether a ToR kind can run on this machine, and if not, why. */
export function torAvailable(kind: TorKind): string | null {
  if (kind === 'bird')
    return onPath('bird') && onPath('birdc') ? null : 'bird/birdc not installed (apt-get install bird2)';
  if (kind === 'frr')
    return existsSync(join(FRR_DAEMONS, 'zebra')) && existsSync(join(FRR_DAEMONS, 'bgpd'))
      ? null
      : 'FRR not installed (apt-get install frr)';
  return null;
}

/** BIRD when installed, else FRR, else podbgp itself. */
export function defaultTor(): TorKind {
  if (torAvailable('bird') === null) return 'bird';
  if (torAvailable('frr') === null) return 'frr';
  return 'podbgp';
}

/** Namespaces and links: tor and nodes forward; pods have a default route via their node. */
export async function buildNetwork(lab: DemoLab, topology: DemoTopology): Promise<void> {
  await lab.addNamespace(topology.tor.name, true);
  await Promise.all(
    topology.nodes.map(async (n) => {
      await lab.addNamespace(n.name, true);
      await lab.addNamespace(n.pod.name, false);
      await lab.link(
        {
          node: topology.tor.name,
          ifName: n.torSide.ifName,
          cidrs: [`${n.torSide.v4}/${UPLINK_LEN.v4}`, `${n.torSide.v6}/${UPLINK_LEN.v6}`],
        },
        {
          node: n.name,
          ifName: n.uplink.ifName,
          cidrs: [`${n.uplink.v4}/${UPLINK_LEN.v4}`, `${n.uplink.v6}/${UPLINK_LEN.v6}`],
        },
      );
      await lab.link(
        {
          node: n.name,
          ifName: n.podGateway.ifName,
          cidrs: [`${n.podGateway.v4}/${POD_LEN.v4}`, `${n.podGateway.v6}/${POD_LEN.v6}`],
        },
        {
          node: n.pod.name,
          ifName: n.pod.ifName,
          cidrs: [`${n.pod.v4}/${POD_LEN.v4}`, `${n.pod.v6}/${POD_LEN.v6}`],
        },
      );
      await lab.execOk(n.pod.name, ['ip', 'route', 'add', 'default', 'via', n.podGateway.v4]);
      await lab.execOk(n.pod.name, ['ip', '-6', 'route', 'add', 'default', 'via', n.podGateway.v6]);
    }),
  );
}

/** The API socket of the podbgp in a lab node. */
export function apiSocketOf(lab: DemoLab, node: string): string {
  return join(lab.workDir, node, 'api.sock');
}

function startPodbgp(lab: DemoLab, node: string, config: Record<string, unknown>): void {
  const dir = lab.dir(node);
  const file = join(dir, 'podbgp.yaml');
  writeFileSync(file, stringify(config));
  lab.startDaemon(node, 'podbgp', [PODBGP_BIN, 'run', '--config', file]);
}

/** Starts the ToR daemon of the topology's kind inside the tor namespace. */
export function startTor(lab: DemoLab, topology: DemoTopology): void {
  const tor = topology.tor.name;
  const dir = lab.dir(tor);
  if (topology.tor.kind === 'podbgp') {
    startPodbgp(lab, tor, podbgpTorConfig(topology, apiSocketOf(lab, tor)));
  } else if (topology.tor.kind === 'bird') {
    const conf = join(dir, 'bird.conf');
    writeFileSync(conf, birdTorConfig(topology));
    lab.startDaemon(tor, 'bird', [
      'bird',
      '-f',
      '-c',
      conf,
      '-s',
      join(dir, 'bird.ctl'),
      '-P',
      join(dir, 'bird.pid'),
    ]);
  } else {
    // zebra and bgpd drop privileges to user frr, which must write its pid files and sockets here.
    spawnSync('chown', ['frr:frr', dir]);
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'zebra.conf'), 'hostname tor\nlog stdout informational\n');
    writeFileSync(join(dir, 'bgpd.conf'), frrTorConfig(topology));
    const argv = (daemon: string) => [
      join(FRR_DAEMONS, daemon),
      '-f',
      join(dir, `${daemon}.conf`),
      '-z',
      join(dir, 'zserv.api'),
      '--vty_socket',
      dir,
      '-i',
      join(dir, `${daemon}.pid`),
    ];
    lab.startDaemon(tor, 'zebra', argv('zebra'));
    // bgpd retries its zserv connection, so it may start right after zebra.
    lab.startDaemon(tor, 'bgpd', argv('bgpd'));
  }
}

/** Starts `podbgp run` in every node. */
export function startNodes(lab: DemoLab, topology: DemoTopology): void {
  for (const n of topology.nodes) startPodbgp(lab, n.name, nodeConfig(n, topology, apiSocketOf(lab, n.name)));
}
