// Benchmark: install and withdraw 100k and 1M IPv4 routes in a fresh network namespace with the
// batched rtnetlink writer (rib/fib/rtnl-client.ts) and through the Fib owner (rib/fib/fib.ts,
// setDesired per route as the RIB's projection calls it; once more with the kernel's route events
// on, as the daemon runs it), against `ip -batch` doing the same in
// the same run. Prints routes/s, the ratios, the time spent inside sendmsg() (where the kernel
// applies the messages: the kernel's own cost), and the longest event-loop stall during podbgp's
// phases, as monitorEventLoopDelay's max and as the worst lateness of a 10 ms timer (both measured
// per phase, never across the bench's own synchronous `ip` calls).
// `ip -batch` withdraws twice: in the order the routes were added (ascending, the kernel's slow
// case) and in the scattered order podbgp uses, so the ratio compares like with like.
// Run: `npx node bench/fib.bench.ts [sizes...]` (needs root). It prints numbers; it does not pass
// or fail. Uses only the namespace it creates and removes (also on failure or Ctrl-C).
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { FibLab, ipv4Bytes } from '../e2e/fib-lab.ts';
import type { KernelRoute } from '../rib/fib/route-message.ts';
import type { RouteOp } from '../rib/fib/rtnl-client.ts';
import { RtnlClient, deleteOrder } from '../rib/fib/rtnl-client.ts';
import { Fib } from '../rib/fib/fib.ts';
import { fibKey } from '../rib/fib/route-identity.ts';
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

function perSecond(count: number, ms: number): number {
  return Math.round(count / (ms / 1000));
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * Event-loop stall over one phase: loop-delay histogram max, a 10 ms timer's worst lateness, and
 * the main thread's CPU time within that worst gap (little CPU in a long gap means the thread was
 * waiting for a core on the shared machine, not running our code).
 */
function stallMeter(): { stop(): { loopMaxMs: number; timerLateMs: number; cpuInWorstMs: number } } {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  let worst = 0;
  let cpuInWorst = 0;
  let due = performance.now() + 10;
  let cpu = process.threadCpuUsage();
  const t = setInterval(() => {
    const now = performance.now();
    const c = process.threadCpuUsage();
    if (now - due > worst) {
      worst = now - due;
      cpuInWorst = (c.user + c.system - cpu.user - cpu.system) / 1000;
    }
    cpu = c;
    due = now + 10;
  }, 10);
  return {
    stop() {
      clearInterval(t);
      h.disable();
      return {
        loopMaxMs: h.max / 1e6,
        timerLateMs: Math.max(worst, performance.now() - due),
        cpuInWorstMs: cpuInWorst,
      };
    },
  };
}

/** "stall A ms loop-delay max, B ms timer lateness (C ms main-thread CPU in it)". */
function stallText(s: { loopMaxMs: number; timerLateMs: number; cpuInWorstMs: number }): string {
  return (
    `stall ${s.loopMaxMs.toFixed(1)} ms loop-delay max, ${s.timerLateMs.toFixed(1)} ms timer lateness ` +
    `(${s.cpuInWorstMs.toFixed(1)} ms main-thread CPU in it)`
  );
}

async function timed(
  client: RtnlClient,
  ops: RouteOp[],
): Promise<{
  ms: number;
  failed: number;
  loopMaxMs: number;
  timerLateMs: number;
  cpuInWorstMs: number;
  kernelMs: number;
}> {
  const meter = stallMeter();
  const k0 = client.counters.sendMs;
  const t = performance.now();
  const r = await client.applyBatch(ops);
  const ms = performance.now() - t;
  return { ms, failed: r.failures.length, ...meter.stop(), kernelMs: client.counters.sendMs - k0 };
}

/** "kernel X ms (Y%)": time inside sendmsg() on the worker thread, where the kernel does the work. */
function kernelShare(kernelMs: number, ms: number): string {
  return `in sendmsg ${kernelMs.toFixed(0)} ms (${((100 * kernelMs) / ms).toFixed(0)}%)`;
}

interface FibPhaseResult {
  installMs: number;
  deleteMs: number;
  installed: number;
  left: number;
  installStall: ReturnType<ReturnType<typeof stallMeter>['stop']>;
  deleteStall: ReturnType<ReturnType<typeof stallMeter>['stop']>;
  installKernelMs: number;
  deleteKernelMs: number;
  fullPasses: number;
}

/**
 * n routes through the Fib owner: setDesired per route as the RIB's projection calls it (a fresh
 * DesiredRoute each time), then the incremental pass (diff, batch, bookkeeping, one fib-batch
 * message); then all withdrawn. With `events`, the Fib is started with a route/link event socket
 * first, as in the daemon. The meter starts after each synchronous setDesired loop (the caller's
 * work; the RIB spreads those calls over its own slices); the time includes it.
 */
async function fibPhase(
  lab: FibLab,
  ns: string,
  client: RtnlClient,
  n: number,
  hop: { gateway: Uint8Array; ifindex: number },
  events: boolean,
): Promise<FibPhaseResult> {
  let fullPasses = 0;
  const fib = new Fib(
    client,
    { protocol: PROTOCOL, table: TABLE, metric: METRIC, reconcileIntervalMs: 3_600_000 },
    (m) => {
      if (m.kind === 'fib-reconciled' && m.full) fullPasses++;
    },
  );
  if (events) await fib.start(lab.socket(ns, { groups: Fib.EVENT_GROUPS, rcvbuf: 16 << 20 }));
  fullPasses = 0;
  let t = performance.now();
  for (let i = 0; i < n; i++) {
    const dst = prefixOf(i);
    fib.setDesired(fibKey(AddressFamily.INET, [dst], 24), {
      family: AddressFamily.INET,
      dst: [dst],
      dstLength: 24,
      nextHops: [{ gateway: hop.gateway, ifindex: hop.ifindex, weight: 1, onlink: false }],
    });
  }
  let meter = stallMeter();
  let k0 = client.counters.sendMs;
  await fib.settled();
  const installMs = performance.now() - t;
  const installStall = meter.stop();
  const installKernelMs = client.counters.sendMs - k0;
  const installed = lab.ipCount(ns, `route show proto ${PROTOCOL}`);
  t = performance.now();
  for (let i = 0; i < n; i++) fib.setDesired(fibKey(AddressFamily.INET, [prefixOf(i)], 24), null);
  meter = stallMeter();
  k0 = client.counters.sendMs;
  await fib.settled();
  const deleteMs = performance.now() - t;
  const deleteStall = meter.stop();
  const deleteKernelMs = client.counters.sendMs - k0;
  fib.stop();
  const left = lab.ipCount(ns, `route show proto ${PROTOCOL}`);
  return {
    installMs,
    deleteMs,
    installed,
    left,
    installStall,
    deleteStall,
    installKernelMs,
    deleteKernelMs,
    fullPasses,
  };
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
      let routes: KernelRoute[] = new Array(n);
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
      const ins = await timed(
        client,
        routes.map((route) => ({ op: 'replace' as const, route })),
      );
      const installed = lab.ipCount(ns, `route show proto ${PROTOCOL}`);
      const del = await timed(
        client,
        routes.map((route) => ({ op: 'delete' as const, route })),
      );
      const left = lab.ipCount(ns, `route show proto ${PROTOCOL}`);

      const line = (i: number): string => `${dotted(prefixOf(i))}/24`;
      let add = '';
      let rmAscending = '';
      let rmScattered = '';
      for (let i = 0; i < n; i++) {
        add += `route add ${line(i)} via 10.0.0.2 dev va proto ${PROTOCOL} metric ${METRIC}\n`;
        rmAscending += `route del ${line(i)} proto ${PROTOCOL} metric ${METRIC}\n`;
      }
      for (const i of deleteOrder(routes.map(() => ({ op: 'delete' as const }))))
        rmScattered += `route del ${line(i)} proto ${PROTOCOL} metric ${METRIC}\n`;
      let t = performance.now();
      lab.ipBatch(ns, add);
      const ipInstallMs = performance.now() - t;
      const ipInstalled = lab.ipCount(ns, `route show proto ${PROTOCOL}`);
      t = performance.now();
      lab.ipBatch(ns, rmAscending);
      const ipDeleteAscMs = performance.now() - t;
      lab.ipBatch(ns, add);
      t = performance.now();
      lab.ipBatch(ns, rmScattered);
      const ipDeleteScatMs = performance.now() - t;

      const podIns = perSecond(n, ins.ms);
      const podDel = perSecond(n, del.ms);
      const ipIns = perSecond(n, ipInstallMs);
      const ipDelAsc = perSecond(n, ipDeleteAscMs);
      const ipDelScat = perSecond(n, ipDeleteScatMs);
      console.log(`${fmt(n)} IPv4 routes`);
      console.log(
        `  podbgp install : ${fmt(podIns)} routes/s (${ins.ms.toFixed(0)} ms, ${ins.failed} failed, ${installed} in kernel); ` +
          `${stallText(ins)}; ${kernelShare(ins.kernelMs, ins.ms)}`,
      );
      console.log(
        `  podbgp withdraw: ${fmt(podDel)} routes/s (${del.ms.toFixed(0)} ms, ${del.failed} failed, ${left} left); ` +
          `${stallText(del)}; ${kernelShare(del.kernelMs, del.ms)}`,
      );
      console.log(
        `  ip -batch install : ${fmt(ipIns)} routes/s (${ipInstallMs.toFixed(0)} ms, ${ipInstalled} in kernel)`,
      );
      console.log(
        `  ip -batch withdraw, ascending : ${fmt(ipDelAsc)} routes/s (${ipDeleteAscMs.toFixed(0)} ms)`,
      );
      console.log(
        `  ip -batch withdraw, scattered : ${fmt(ipDelScat)} routes/s (${ipDeleteScatMs.toFixed(0)} ms)`,
      );
      // The same through the Fib owner: setDesired per route as the RIB's projection calls it (a
      // fresh DesiredRoute each time), then the incremental pass (diff, batch, bookkeeping, one
      // fib-batch message). The route objects of the writer's run above are dropped first, so the
      // heap holds what the Fib keeps, not a million bench objects.
      routes = [];
      // Once as in the bench so far, once with the kernel's route events on a second socket, as the
      // daemon runs the Fib (every change of ours comes back as an event to check).
      for (const events of [false, true]) {
        const r = await fibPhase(lab, ns, client, n, { gateway, ifindex }, events);
        const label = events ? 'Fib owner + events' : 'Fib owner';
        console.log(
          `  ${label} install : ${fmt(perSecond(n, r.installMs))} routes/s (${r.installMs.toFixed(0)} ms, ${r.installed} in kernel); ` +
            `${stallText(r.installStall)}; ${kernelShare(r.installKernelMs, r.installMs)}`,
        );
        console.log(
          `  ${label} withdraw: ${fmt(perSecond(n, r.deleteMs))} routes/s (${r.deleteMs.toFixed(0)} ms, ${r.left} left); ` +
            `${stallText(r.deleteStall)}; ${kernelShare(r.deleteKernelMs, r.deleteMs)}; ${r.fullPasses} full reconcile(s)`,
        );
        console.log(
          `  ratio ${label} / ip -batch: install ${(perSecond(n, r.installMs) / ipIns).toFixed(2)}x, withdraw ` +
            `${(perSecond(n, r.deleteMs) / ipDelAsc).toFixed(2)}x (vs ascending), ${(perSecond(n, r.deleteMs) / ipDelScat).toFixed(2)}x (vs the same scattered order)`,
        );
      }
      console.log(
        `  ratio writer / ip -batch: install ${(podIns / ipIns).toFixed(2)}x, withdraw ${(podDel / ipDelAsc).toFixed(2)}x ` +
          `(vs ascending), ${(podDel / ipDelScat).toFixed(2)}x (vs the same scattered order)`,
      );
    }
  } finally {
    cleanup();
  }
}

await main();
