// deleteOrder: the order RtnlClient.applyBatch sends operations in. Installs keep their place,
// each run of deletes becomes a reproducible permutation of itself (the kernel deletes ascending
// IPv4 /24s about nine times slower than scattered ones; docs/BENCHMARKS.md). Hand-made inputs.
import { expect } from 'chai';
import { deleteOrder } from './rtnl-client.ts';

const ops = (pattern: string): { op: 'replace' | 'delete' }[] =>
  [...pattern].map((c) => ({ op: c === 'r' ? 'replace' : 'delete' }));

describe('rib/fib deleteOrder', () => {
  it('keeps installs in place and permutes each delete run within itself', () => {
    const input = ops(`rr${'d'.repeat(50)}r${'d'.repeat(30)}`);
    const order = Array.from(deleteOrder(input));
    expect(order.slice(0, 2)).to.deep.equal([0, 1]);
    expect(order[52]).to.equal(52);
    const run1 = order.slice(2, 52);
    const run2 = order.slice(53);
    expect([...run1].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 50 }, (_, i) => i + 2));
    expect([...run2].sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 30 }, (_, i) => i + 53));
    // Scattered, not ascending or descending.
    const ascending = run1.filter((v, i) => i > 0 && v > run1[i - 1]).length;
    expect(ascending).to.be.within(10, 40);
  });

  it('is the same order every time and leaves install-only batches alone', () => {
    const input = ops('d'.repeat(1000));
    expect(Array.from(deleteOrder(input))).to.deep.equal(Array.from(deleteOrder(input)));
    expect(Array.from(deleteOrder(ops('rrrr')))).to.deep.equal([0, 1, 2, 3]);
    expect(Array.from(deleteOrder(ops('d')))).to.deep.equal([0]);
  });
});
