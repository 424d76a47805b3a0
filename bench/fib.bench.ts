// Benchmark: install and withdraw 100k and 1M IPv4 routes in a fresh network namespace with the
// batched rtnetlink writer (rib/fib/rtnl-client.ts), against `ip -batch` doing the same in the
// same run. Prints routes/s for both and the ratio. Run: `npx node bench/fib.bench.ts [sizes...]`.
// It prints numbers; it does not pass or fail. Uses only namespaces it creates and removes.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { FibLab, ipv4Bytes } from '../e2e/fib-lab.ts';
import type { KernelRoute } from '../rib/fib/route-message.ts';
import { RtnlClient } from '../rib/fib/rtnl-client.ts';
import { AddressFamily, Rtn } from '../rib/fib/rtnetlink-constants.ts';

const PROTOCOL = 201;
const TABLE = 254;
const METRIC = 20;
const sizes = process.argv.slice(2).map(Number).filter(Boolean);
if (sizes.length === 0) sizes.push(100_000, 1_000_000);

/** Route i is the /24 at 20.0.0.0 + i*256 (1M routes end inside 35.0.0.0/8). */
function prefixOf(i: number): number {
  return (0x14000000 + i * 256) >>> 0;
}

function dotted(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function rate(count: number, ms: number): string {
  return `${Math.round(count / (ms / 1000)).toLocaleString('en-US')} routes/s`;
}

async function main(): Promise<void> {
  const lab = new FibLab();
  const cleanup = (): void => lab.cleanup();
  process.on('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    const ns = lab.namespace('bench');
    const { a: ifindex } = lab.veth(ns, 'va', 'vb');
    lab.ip(ns, 'addr add 10.0.0.1/24 dev va');
    const gateway = ipv4Bytes('10.0.0.2');
    const nextHops = [{ gateway, ifindex, weight: 1, onlink: false }];
    const sock = lab.socket(ns, { sndbuf: 8 << 20, rcvbuf: 64 << 20 });
    const client = new RtnlClient(sock, { batchBytes: 1 << 20 });

    for (const n of sizes) {
      const routes: KernelRoute[] = new Array(n);
      for (let i = 0; i < n; i++) {
        routes[i] = {
          family: AddressFamily.INET,
          dst: [prefixOf(i)],
          dstLength: 24,
          table: TABLE,
          protocol: PROTOCOL,
          priority: METRIC,
          type: Rtn.UNICAST,
          nextHops,
        };
      }
      const installs = routes.map((route) => ({ op: 'replace' as const, route }));
      const deletes = routes.map((route) => ({ op: 'delete' as const, route }));

      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      let t = performance.now();
      const ins = await client.applyBatch(installs);
      const podbgpInstallMs = performance.now() - t;
      loop.disable(); // the synchronous `ip` count below is the bench's own stall, not podbgp's
      const installed = lab.ipCount(ns, `route show proto ${PROTOCOL}`);
      loop.enable();
      t = performance.now();
      const del = await client.applyBatch(deletes);
      const podbgpDeleteMs = performance.now() - t;
      loop.disable();
      const maxStallMs = loop.max / 1e6;
      const left = lab.ipCount(ns, `route show proto ${PROTOCOL}`);

      let add = '';
      let rm = '';
      for (let i = 0; i < n; i++) {
        const p = `${dotted(prefixOf(i))}/24`;
        add += `route add ${p} via 10.0.0.2 dev va proto ${PROTOCOL} metric ${METRIC}\n`;
        rm += `route del ${p} proto ${PROTOCOL} metric ${METRIC}\n`;
      }
      t = performance.now();
      lab.ipBatch(ns, add);
      const ipInstallMs = performance.now() - t;
      const ipInstalled = lab.ipCount(ns, `route show proto ${PROTOCOL}`);
      t = performance.now();
      lab.ipBatch(ns, rm);
      const ipDeleteMs = performance.now() - t;

      console.log(`${n.toLocaleString('en-US')} IPv4 routes`);
      console.log(
        `  podbgp install : ${rate(n, podbgpInstallMs)} (${podbgpInstallMs.toFixed(0)} ms, ${ins.failures.length} failed, ${installed} in kernel)`,
      );
      console.log(
        `  podbgp withdraw: ${rate(n, podbgpDeleteMs)} (${podbgpDeleteMs.toFixed(0)} ms, ${del.failures.length} failed, ${left} left)`,
      );
      console.log(`  podbgp longest event-loop stall during install+withdraw: ${maxStallMs.toFixed(1)} ms`);
      console.log(
        `  ip -batch install : ${rate(n, ipInstallMs)} (${ipInstallMs.toFixed(0)} ms, ${ipInstalled} in kernel)`,
      );
      console.log(`  ip -batch withdraw: ${rate(n, ipDeleteMs)} (${ipDeleteMs.toFixed(0)} ms)`);
      console.log(
        `  ratio podbgp / ip -batch: install ${(ipInstallMs / podbgpInstallMs).toFixed(2)}x, withdraw ${(ipDeleteMs / podbgpDeleteMs).toFixed(2)}x`,
      );
    }
  } finally {
    cleanup();
  }
}

await main();
