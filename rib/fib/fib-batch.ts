// One reconciliation pass's kernel changes in compact form, handed to RtnlClient.applyRouteBatch:
// per operation a dirty-queue entry (slot << 1 | family bit), the route shape to install or delete,
// and whether it is a delete; then routes read from a kernel dump that are stale (deleted as read).
// Messages are written straight from the FibTable columns and RouteShapes through one reused
// scratch route per family, so a million operations allocate no route objects.
//
// In: entries and shapes from the Fib's diff. Out: netlink messages into the writer (encode()).
import type { NlWriter } from './nlmsg.ts';
import type { FibTable } from './fib-table.ts';
import type { RouteShapes } from './route-shapes.ts';
import type { DecodedRoute, KernelNextHop } from './route-message.ts';
import { encodeRoute } from './route-message.ts';
import type { RouteBatch } from './rtnl-client.ts';
import { DELETE_FLAGS, REPLACE_FLAGS } from './rtnl-client.ts';
import { RtmType } from './rtnetlink-constants.ts';

/** A KernelRoute whose fields are overwritten for each message written. */
interface ScratchRoute {
  family: number;
  dst: number[];
  dstLength: number;
  table: number;
  protocol: number;
  priority: number;
  type: number;
  nextHops: readonly KernelNextHop[];
}

export interface KernelStamp {
  readonly table: number;
  readonly protocol: number;
  readonly metric: number;
}

export class FibOps implements RouteBatch {
  entry = new Int32Array(1024);
  shape = new Int32Array(1024);
  del = new Uint8Array(1024);
  /** Compact operations; stale dump routes follow them at indexes count.. */
  count = 0;
  readonly stale: DecodedRoute[] = [];
  private readonly tables: readonly [FibTable, FibTable];
  private readonly shapes: RouteShapes;
  private readonly scratch: readonly [ScratchRoute, ScratchRoute];

  constructor(tables: readonly [FibTable, FibTable], shapes: RouteShapes, stamp: KernelStamp) {
    this.tables = tables;
    this.shapes = shapes;
    const make = (family: number, words: number): ScratchRoute => ({
      family,
      dst: new Array<number>(words).fill(0),
      dstLength: 0,
      table: stamp.table,
      protocol: stamp.protocol,
      priority: stamp.metric,
      type: 0,
      nextHops: [],
    });
    this.scratch = [make(tables[0].family, 1), make(tables[1].family, 4)];
  }

  /** Add a compact operation; the caller has taken a reference on `shape` for it. */
  add(entry: number, shape: number, isDelete: boolean): void {
    if (this.count === this.entry.length) this.grow();
    this.entry[this.count] = entry;
    this.shape[this.count] = shape;
    this.del[this.count] = isDelete ? 1 : 0;
    this.count++;
  }

  get length(): number {
    return this.count + this.stale.length;
  }

  isDelete(i: number): boolean {
    return i >= this.count || this.del[i] === 1;
  }

  encode(i: number, w: NlWriter, ack: number, seq: number): void {
    if (i >= this.count) {
      encodeRoute(w, RtmType.DELROUTE, DELETE_FLAGS | ack, seq, this.stale[i - this.count]);
      return;
    }
    const e = this.entry[i];
    const t = this.tables[e & 1];
    const slot = e >>> 1;
    const r = this.scratch[e & 1];
    t.dstInto(slot, r.dst);
    r.dstLength = t.dstLength(slot);
    const s = this.shapes.get(this.shape[i]);
    r.type = s.type;
    r.nextHops = s.nextHops;
    if (this.del[i] === 1) encodeRoute(w, RtmType.DELROUTE, DELETE_FLAGS | ack, seq, r);
    else encodeRoute(w, RtmType.NEWROUTE, REPLACE_FLAGS | ack, seq, r);
  }

  private grow(): void {
    const n = this.entry.length * 2;
    const entry = new Int32Array(n);
    entry.set(this.entry);
    this.entry = entry;
    const shape = new Int32Array(n);
    shape.set(this.shape);
    this.shape = shape;
    const del = new Uint8Array(n);
    del.set(this.del);
    this.del = del;
  }
}
