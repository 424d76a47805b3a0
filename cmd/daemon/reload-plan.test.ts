// The SIGHUP reload plan from two validated configurations (config/schema.ts checkConfig, the
// same path a reloaded file takes): which peers are added, removed, reset or soft-reset, which
// originated prefixes change, and which start-only settings need a restart.
import { expect } from 'chai';
import { checkConfig, type PodbgpConfig } from '../../config/schema.ts';
import { canonical, planReload, type ReloadPlan } from './reload-plan.ts';

function config(extra: Record<string, unknown> = {}): PodbgpConfig {
  return checkConfig(
    {
      asn: 65010,
      routerId: '10.0.0.2',
      originate: ['10.244.1.0/24'],
      accept: ['10.244.0.0/16'],
      policies: {
        only10: [{ match: { prefix: ['10.244.10.0/24'] }, action: 'accept' }],
        all: [{ action: 'accept' }],
      },
      peers: [
        { address: '10.0.1.1', asn: 65000 },
        { address: '10.0.2.1', asn: 65000 },
        { address: 'FD00::1', asn: 65000 },
      ],
      ...extra,
    },
    '',
  );
}

function keys(plan: ReloadPlan) {
  const k = (l: readonly { key: string }[]) => l.map((s) => s.key);
  return { added: k(plan.added), removed: k(plan.removed), changed: k(plan.changed), soft: k(plan.soft) };
}

const NOTHING = { added: [], removed: [], changed: [], soft: [] };

describe('daemon reload plan', () => {
  it('the same file (and the same peer written with its keys in another order) touches nothing', () => {
    const before = config();
    const after = config({
      peers: [
        { asn: 65000, address: '10.0.1.1' },
        { address: '10.0.2.1', asn: 65000 },
        { address: 'fd00::1', asn: 65000 },
      ],
    });
    const plan = planReload(before, after);
    expect(keys(plan)).to.deep.equal(NOTHING);
    expect(plan.needsRestart).to.deep.equal([]);
    expect(plan.originateAdded).to.deep.equal([]);
  });

  it('a hold time change resets that peer only; a description change resets nobody', () => {
    const after = config({
      peers: [
        { address: '10.0.1.1', asn: 65000, timers: { holdTime: 6 } },
        { address: '10.0.2.1', asn: 65000, description: 'rack 2' },
        { address: 'fd00::1', asn: 65000 },
      ],
    });
    expect(keys(planReload(config(), after))).to.deep.equal({ ...NOTHING, changed: ['10.0.1.1'] });
  });

  it('an import policy given to one peer is a soft reset of that peer only (the field order bug)', () => {
    // Before the plan existed, `{...prev, importPolicy: 0}` put the key last while the checked
    // config has it in schema order, so this compared unequal and took the reset path, where
    // the session layer saw no session change and nothing at all happened.
    const after = config({
      peers: [
        { address: '10.0.1.1', asn: 65000 },
        { address: '10.0.2.1', asn: 65000, importPolicy: 'only10' },
        { address: 'fd00::1', asn: 65000 },
      ],
    });
    expect(keys(planReload(config(), after))).to.deep.equal({ ...NOTHING, soft: ['10.0.2.1'] });
  });

  it('editing a named policy soft-resets the peers that use it, not the others', () => {
    const uses = {
      peers: [
        { address: '10.0.1.1', asn: 65000, exportPolicy: 'all' },
        { address: '10.0.2.1', asn: 65000, importPolicy: 'only10' },
        { address: 'fd00::1', asn: 65000 },
      ],
    };
    const before = config(uses);
    const after = config({
      ...uses,
      policies: {
        only10: [{ match: { prefix: ['10.244.10.0/24', '10.244.12.0/24'] }, action: 'accept' }],
        all: [{ action: 'accept' }],
      },
    });
    expect(keys(planReload(before, after))).to.deep.equal({ ...NOTHING, soft: ['10.0.2.1'] });
  });

  it('accept changes soft-reset peers on the default import policy; originate changes every default peer', () => {
    const named = [
      { address: '10.0.1.1', asn: 65000, importPolicy: 'all', exportPolicy: 'all' },
      { address: '10.0.2.1', asn: 65000, importPolicy: 'all' },
      { address: 'fd00::1', asn: 65000 },
    ];
    const before = config({ peers: named });
    expect(keys(planReload(before, config({ peers: named, accept: ['10.0.0.0/8'] })))).to.deep.equal({
      ...NOTHING,
      soft: ['fd00::1'],
    });
    const orig = planReload(before, config({ peers: named, originate: ['10.244.2.0/24'] }));
    expect(keys(orig)).to.deep.equal({ ...NOTHING, soft: ['10.0.2.1', 'fd00::1'] });
    expect(orig.originateAdded).to.deep.equal(['10.244.2.0/24']);
    expect(orig.originateRemoved).to.deep.equal(['10.244.1.0/24']);
  });

  it('a peer removed and another added; IPv6 addresses matched in normalized form', () => {
    const after = config({
      peers: [
        { address: '10.0.1.1', asn: 65000 },
        { address: 'fd00:0::1', asn: 65000 },
        { address: '10.0.4.1', asn: 65004 },
      ],
    });
    const plan = planReload(config(), after);
    expect(keys(plan)).to.deep.equal({ ...NOTHING, added: ['10.0.4.1'], removed: ['10.0.2.1'] });
    expect(plan.added[0]!.index).to.equal(2);
    expect(plan.removed[0]!.index).to.equal(1);
  });

  it('start-only settings are reported as needing a restart', () => {
    const plan = planReload(config(), config({ asn: 65011, kernel: { protocol: 202 } }));
    expect(plan.needsRestart).to.deep.equal(['asn', 'kernel']);
    expect(keys(plan)).to.deep.equal(NOTHING);
  });

  it('canonical() ignores key order and undefined members, not array order', () => {
    expect(canonical({ a: 1, b: { d: 2, c: undefined, e: [1, 2] } })).to.equal(
      canonical({ b: { e: [1, 2], d: 2 }, a: 1 }),
    );
    expect(canonical([1, 2])).to.not.equal(canonical([2, 1]));
  });
});
