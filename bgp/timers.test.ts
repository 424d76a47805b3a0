// Tests for the shared timer facility: ordering, restart/stop, re-entrancy from the expiry handler,
// one armed clock timer at a time, thousands of timers against a brute-force model, and one short
// run on the real Node clock.
import { expect } from 'chai';
import { ManualClock, TimerFacility, systemClock } from './timers.ts';

function setup() {
  const clock = new ManualClock(1000);
  const fired: string[] = [];
  const timers = new TimerFacility((owner, name) => fired.push(`${owner}/${name}@${clock.now()}`), clock);
  return { clock, fired, timers };
}

describe('TimerFacility', () => {
  it('fires timers in deadline order, each at its own instant', () => {
    const { clock, fired, timers } = setup();
    timers.start('p1', 'HoldTimer', 9);
    timers.start('p2', 'KeepaliveTimer', 3);
    timers.start('p1', 'KeepaliveTimer', 3);
    clock.advance(2999);
    expect(fired).to.deep.equal([]);
    clock.advance(1);
    expect(fired).to.deep.equal(['p2/KeepaliveTimer@4000', 'p1/KeepaliveTimer@4000']);
    clock.advance(10_000);
    expect(fired).to.deep.equal(['p2/KeepaliveTimer@4000', 'p1/KeepaliveTimer@4000', 'p1/HoldTimer@10000']);
    expect(timers.size).to.equal(0);
  });

  it('restart moves a deadline both later and earlier; stop cancels', () => {
    const { clock, fired, timers } = setup();
    timers.start('p', 'HoldTimer', 5);
    clock.advance(4000);
    timers.start('p', 'HoldTimer', 5); // a KEEPALIVE arrived: later
    clock.advance(4000);
    expect(fired).to.deep.equal([]);
    timers.start('p', 'HoldTimer', 0.5); // earlier
    expect(timers.remainingMs('p', 'HoldTimer')).to.equal(500);
    clock.advance(500);
    expect(fired).to.deep.equal(['p/HoldTimer@9500']);
    timers.start('p', 'ConnectRetryTimer', 1);
    expect(timers.stop('p', 'ConnectRetryTimer')).to.equal(true);
    expect(timers.stop('p', 'ConnectRetryTimer')).to.equal(false);
    clock.advance(5000);
    expect(fired).to.have.length(1);
    expect(timers.isRunning('p', 'ConnectRetryTimer')).to.equal(false);
  });

  it('keeps at most one clock timer armed', () => {
    const { clock, timers } = setup();
    for (let i = 0; i < 100; i++) timers.start(`p${i}`, 'HoldTimer', 100 - i);
    expect(clock.armed).to.equal(1);
    for (let i = 0; i < 100; i++) timers.stop(`p${i}`, 'HoldTimer');
    expect(clock.armed).to.equal(0);
  });

  it('lets the expiry handler start and stop timers (the driver does this for every event)', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    const timers: TimerFacility = new TimerFacility((owner, name) => {
      fired.push(`${owner}/${name}@${clock.now()}`);
      if (name === 'KeepaliveTimer') timers.start(owner, name, 1); // periodic
      if (owner === 'a' && name === 'HoldTimer') timers.stop('b', 'HoldTimer');
    }, clock);
    timers.start('a', 'KeepaliveTimer', 1);
    timers.start('a', 'HoldTimer', 2.5);
    timers.start('b', 'HoldTimer', 2.5);
    clock.advance(3000);
    expect(fired).to.deep.equal([
      'a/KeepaliveTimer@1000',
      'a/KeepaliveTimer@2000',
      'a/HoldTimer@2500',
      'a/KeepaliveTimer@3000',
    ]);
    expect(timers.isRunning('a', 'KeepaliveTimer')).to.equal(true);
  });

  it('stopAll removes one owner and leaves the others', () => {
    const { clock, fired, timers } = setup();
    for (const name of ['HoldTimer', 'KeepaliveTimer', 'ConnectRetryTimer']) {
      timers.start('gone', name, 1);
      timers.start('kept', name, 2);
    }
    expect(timers.stopAll('gone')).to.equal(3);
    clock.advance(5000);
    expect(fired.every((f) => f.startsWith('kept/'))).to.equal(true);
    expect(fired).to.have.length(3);
  });

  it('rejects negative and non-finite durations', () => {
    const { timers } = setup();
    expect(() => timers.start('p', 'HoldTimer', -1)).to.throw(RangeError);
    expect(() => timers.start('p', 'HoldTimer', NaN)).to.throw(RangeError);
    expect(() => timers.start('p', 'HoldTimer', Infinity)).to.throw(RangeError);
  });

  it('agrees with a brute-force model over 5000 timers and 20000 random operations', () => {
    const clock = new ManualClock();
    const fired: { key: string; at: number }[] = [];
    const timers = new TimerFacility(
      (owner, name) => fired.push({ key: `${owner}/${name}`, at: clock.now() }),
      clock,
    );
    // Model: key -> deadline (ms); `expected` collects every expiry the model predicts.
    const model = new Map<string, number>();
    const expected: { key: string; deadline: number }[] = [];
    let seed = 12345;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const names = ['HoldTimer', 'KeepaliveTimer', 'ConnectRetryTimer', 'DelayOpenTimer'];
    const advance = (ms: number) => {
      const end = clock.now() + ms;
      for (const [key, deadline] of [...model.entries()]) {
        if (deadline <= end) {
          expected.push({ key, deadline });
          model.delete(key);
        }
      }
      clock.advance(ms);
    };
    for (let i = 0; i < 5000; i++) {
      const name = names[i % 4] as string;
      const seconds = rand(600_000) / 1000;
      timers.start(`peer${i}`, name, seconds);
      model.set(`peer${i}/${name}`, clock.now() + seconds * 1000);
    }
    for (let op = 0; op < 20_000; op++) {
      const owner = `peer${rand(5000)}`;
      const name = names[rand(4)] as string;
      const key = `${owner}/${name}`;
      const r = rand(10);
      if (r < 5) {
        const seconds = rand(300_000) / 1000;
        timers.start(owner, name, seconds);
        model.set(key, clock.now() + seconds * 1000);
      } else if (r < 8) {
        expect(timers.stop(owner, name)).to.equal(model.delete(key));
      } else {
        advance(rand(5000));
      }
      if (op % 1000 === 0) expect(timers.size).to.equal(model.size);
    }
    advance(10_000_000);
    expect(timers.size).to.equal(0);
    expect(clock.armed).to.equal(0);
    expect(fired.length).to.equal(expected.length);
    expect(fired.length).to.be.greaterThan(5000);
    // Global time order, and each expiry at its deadline (the clock works in whole ms).
    for (let i = 1; i < fired.length; i++) expect(fired[i]!.at).to.be.at.least(fired[i - 1]!.at);
    const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
    const got = [...fired].sort((a, b) => byKey(a, b) || a.at - b.at);
    const want = [...expected].sort((a, b) => byKey(a, b) || a.deadline - b.deadline);
    for (let i = 0; i < got.length; i++) {
      expect(got[i]!.key).to.equal(want[i]!.key);
      expect(got[i]!.at - want[i]!.deadline).to.be.within(0, 1);
    }
  });

  it('runs 10000 timers in O(log n) each: start+stop+fire well under a second', () => {
    const clock = new ManualClock();
    let count = 0;
    const timers = new TimerFacility(() => count++, clock);
    const t0 = performance.now();
    for (let i = 0; i < 10_000; i++) timers.start(`p${i}`, 'HoldTimer', (i * 7919) % 10_000);
    for (let i = 0; i < 10_000; i += 2) timers.stop(`p${i}`, 'HoldTimer');
    for (let i = 1; i < 10_000; i += 4) timers.start(`p${i}`, 'HoldTimer', 1);
    clock.advance(20_000_000);
    const elapsed = performance.now() - t0;
    expect(count).to.equal(5000);
    expect(elapsed).to.be.lessThan(1000);
  });

  it('works on the real Node clock', async () => {
    const fired: string[] = [];
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const timers = new TimerFacility((owner, name) => {
      fired.push(`${owner}/${name}`);
      if (fired.length === 2) done();
    }, systemClock);
    timers.start('b', 'HoldTimer', 0.04);
    timers.start('a', 'HoldTimer', 0.02);
    timers.start('c', 'HoldTimer', 0.03);
    timers.stop('c', 'HoldTimer');
    await finished;
    expect(fired).to.deep.equal(['a/HoldTimer', 'b/HoldTimer']);
    timers.clear();
  });
});
