// RFC 7606 applied attribute by attribute: each malformation the RFC (and RFC 4271 §6.3, RFC 6793
// §6, RFC 7607, RFC 8092 §6, RFC 9234 §5) lists, with the action checked. Every UPDATE here is
// written by hand from the RFC 4271 §4.3 layout; the section governing each case is named in it.
import { expect } from 'chai';
import { BgpError } from '../errors.ts';
import { DEFAULT_CONTEXT, type CodecContext, type PathAttributes } from '../types.ts';
import { decodeUpdate } from '../update.ts';

const ORIGIN = '40010100';
const AS_PATH = '400200'; // empty AS_PATH
const NEXT_HOP = '400304c0000201';
const BASE = ORIGIN + AS_PATH + NEXT_HOP;

/** An UPDATE body with the given attributes (hex) and NLRI 10.0.0.0/8 unless told otherwise. */
function body(attrs: string, nlri = '080a', withdrawn = ''): Buffer {
  const a = Buffer.from(attrs.replace(/\s+/g, ''), 'hex');
  const w = Buffer.from(withdrawn, 'hex');
  const head = Buffer.alloc(2);
  head.writeUInt16BE(w.length);
  const alen = Buffer.alloc(2);
  alen.writeUInt16BE(a.length);
  return Buffer.concat([head, w, alen, a, Buffer.from(nlri, 'hex')]);
}

type Fault = readonly [code: number, subcode: number, action: string];
interface Case {
  readonly name: string;
  readonly bytes: Buffer;
  readonly ctx?: Partial<CodecContext>;
  /** The session-reset error thrown. */
  readonly throws?: Fault;
  /** The faults recorded (in order) when the session stays up. */
  readonly errors?: readonly Fault[];
  readonly treatAsWithdraw?: boolean;
  /** An attribute that must be absent (discarded) afterwards. */
  readonly absent?: keyof PathAttributes;
  /** An attribute that must be present afterwards. */
  readonly present?: keyof PathAttributes;
}

const TAW = 'treat-as-withdraw';
const DISCARD = 'attribute-discard';
const RESET = 'session-reset';
const AFI_SAFI = 'afi-safi-disable';
const MP6_HEAD = '0002 01 10 20010db8000000000000000000000001 00';

const CASES: readonly Case[] = [
  // §7.1 ORIGIN
  {
    name: '§7.1 ORIGIN length 2',
    bytes: body('40010200 00' + AS_PATH + NEXT_HOP),
    errors: [[3, 5, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§7.1 ORIGIN undefined value 3',
    bytes: body('40010103' + AS_PATH + NEXT_HOP),
    errors: [[3, 6, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§3(c) ORIGIN flags optional',
    bytes: body('c0010100' + AS_PATH + NEXT_HOP),
    errors: [[3, 4, TAW]],
    treatAsWithdraw: true,
  },
  // §7.2 AS_PATH
  {
    name: '§7.2 AS_PATH segment overrun',
    bytes: body(ORIGIN + '400204 0202 0000' + NEXT_HOP),
    errors: [[3, 11, TAW]],
    treatAsWithdraw: true,
    absent: 'asPath',
  },
  {
    name: '§7.2 AS_PATH single octet after last segment',
    bytes: body(ORIGIN + '40020d 0201 0000fde9 0201 0000fdea 02' + NEXT_HOP),
    errors: [[3, 11, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§7.2 AS_PATH segment length 0',
    bytes: body(ORIGIN + '400202 0200' + NEXT_HOP),
    errors: [[3, 11, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§7.2 AS_PATH unrecognized segment type 5',
    bytes: body(ORIGIN + '400206 0501 0000fde9' + NEXT_HOP),
    errors: [[3, 11, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: 'RFC 7607 AS_PATH with AS 0',
    bytes: body(ORIGIN + '400206 0201 00000000' + NEXT_HOP),
    errors: [[3, 11, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§3(c) AS_PATH flags optional transitive',
    bytes: body(ORIGIN + 'c00200' + NEXT_HOP),
    errors: [[3, 4, TAW]],
    treatAsWithdraw: true,
  },
  // §7.3 NEXT_HOP
  {
    name: '§7.3 NEXT_HOP length 5',
    bytes: body(ORIGIN + AS_PATH + '400305 c000020100'),
    errors: [[3, 5, TAW]],
    treatAsWithdraw: true,
  },
  // §7.4 MULTI_EXIT_DISC
  {
    name: '§7.4 MED length 3',
    bytes: body(BASE + '800403 000001'),
    errors: [[3, 5, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§3(c) MED flags well-known',
    bytes: body(BASE + '400404 00000001'),
    errors: [[3, 4, TAW]],
    treatAsWithdraw: true,
  },
  // §7.5 LOCAL_PREF
  {
    name: '§7.5 LOCAL_PREF length 2 from iBGP',
    ctx: { ibgp: true },
    bytes: body(BASE + '400502 0001'),
    errors: [[3, 5, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§7.5 LOCAL_PREF from eBGP is discarded (even malformed)',
    bytes: body(BASE + '400502 0001'),
    errors: [],
    absent: 'localPref',
  },
  // §7.6 ATOMIC_AGGREGATE
  {
    name: '§7.6 ATOMIC_AGGREGATE length 1',
    bytes: body(BASE + '400601 00'),
    errors: [[3, 5, DISCARD]],
    absent: 'atomicAggregate',
  },
  {
    name: '§3(c) ATOMIC_AGGREGATE flags optional',
    bytes: body(BASE + 'c00600'),
    errors: [[3, 4, TAW]],
    treatAsWithdraw: true,
  },
  // §7.7 AGGREGATOR
  {
    name: '§7.7 AGGREGATOR length 7 (4-octet session)',
    bytes: body(BASE + 'c00707 0000fde9 c00002'),
    errors: [[3, 5, DISCARD]],
    absent: 'aggregator',
  },
  {
    name: '§7.7 AGGREGATOR length 8 on a 2-octet session',
    ctx: { fourOctetAs: false },
    bytes: body(BASE + 'c00708 0000fde9 c0000201'),
    errors: [[3, 5, DISCARD]],
    absent: 'aggregator',
  },
  {
    name: 'RFC 7607 AGGREGATOR with AS 0',
    bytes: body(BASE + 'c00708 00000000 c0000201'),
    errors: [[3, 9, DISCARD]],
    absent: 'aggregator',
  },
  // §7.8 COMMUNITIES
  {
    name: '§7.8 COMMUNITIES length 3',
    bytes: body(BASE + 'c00803 000001'),
    errors: [[3, 5, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§7.8 COMMUNITIES length 0',
    bytes: body(BASE + 'c00800'),
    errors: [[3, 5, TAW]],
    treatAsWithdraw: true,
  },
  // §7.9 ORIGINATOR_ID, §7.10 CLUSTER_LIST
  {
    name: '§7.9 ORIGINATOR_ID length 3',
    bytes: body(BASE + '800903 010203'),
    errors: [[3, 5, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§7.10 CLUSTER_LIST length 6',
    bytes: body(BASE + '800a06 010203040506'),
    errors: [[3, 5, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§7.10 CLUSTER_LIST length 0',
    bytes: body(BASE + '800a00'),
    errors: [[3, 5, TAW]],
    treatAsWithdraw: true,
  },
  // §7.11 MP_REACH_NLRI / MP_UNREACH_NLRI and §5.3
  {
    name: '§7.11 MP_REACH_NLRI next hop length 5 for IPv6',
    bytes: body('800e0a 0002 01 05 0102030405 00 00' + BASE, ''),
    throws: [3, 9, AFI_SAFI],
  },
  {
    name: '§5.3 MP_REACH_NLRI IPv6 prefix length 129',
    bytes: body(`800e16 ${MP6_HEAD} 81` + ORIGIN + AS_PATH, ''),
    throws: [3, 10, AFI_SAFI],
  },
  {
    name: '§5.3 MP_UNREACH_NLRI prefix overruns',
    bytes: body('800f05 000201 3020', ''),
    throws: [3, 10, AFI_SAFI],
  },
  {
    name: '§3(g) MP_REACH_NLRI twice',
    bytes: body(`800e15 ${MP6_HEAD} 800e15 ${MP6_HEAD}` + ORIGIN + AS_PATH, ''),
    throws: [3, 1, RESET],
  },
  {
    name: '§3(c) MP_REACH_NLRI flags transitive: withdrawn, still parsed',
    bytes: body(`c00e18 ${MP6_HEAD} 1020 01` + ORIGIN + AS_PATH, ''),
    errors: [[3, 4, TAW]],
    treatAsWithdraw: true,
    present: 'mpReach',
  },
  {
    name: 'MP_REACH_NLRI of an unparsed family is kept raw',
    bytes: body('800e09 0019 46 04 0a000001 00' + ORIGIN + AS_PATH, ''),
    errors: [],
    present: 'mpOther',
  },
  // §7.14 EXTENDED_COMMUNITIES, RFC 8092 §6, RFC 9234 §5
  {
    name: '§7.14 EXTENDED_COMMUNITIES length 7',
    bytes: body(BASE + 'c01007 00020000000000'),
    errors: [[3, 5, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: 'RFC 8092 §6 LARGE_COMMUNITY length 8',
    bytes: body(BASE + 'c02008 0000000100000002'),
    errors: [[3, 5, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: 'RFC 9234 §5 OTC length 2',
    bytes: body(BASE + 'c02302 0001'),
    errors: [[3, 5, TAW]],
    treatAsWithdraw: true,
  },
  // RFC 6793 §6: AS4_PATH / AS4_AGGREGATOR (2-octet session)
  {
    name: 'RFC 6793 AS4_PATH segment overrun',
    ctx: { fourOctetAs: false },
    bytes: body(BASE + 'c01104 0202 0000'),
    errors: [[3, 9, DISCARD]],
    absent: 'as4Path',
  },
  {
    name: 'RFC 6793 AS4_PATH with a confederation segment',
    ctx: { fourOctetAs: false },
    bytes: body(BASE + 'c01106 0301 0000fde9'),
    errors: [[3, 9, DISCARD]],
    absent: 'as4Path',
  },
  {
    name: 'RFC 6793 AS4_AGGREGATOR length 6',
    ctx: { fourOctetAs: false },
    bytes: body(BASE + 'c01206 fde9c0000201'),
    errors: [[3, 5, DISCARD]],
    absent: 'as4Aggregator',
  },
  {
    name: 'RFC 6793 §4.2.1 AS4_PATH from a 4-octet peer is discarded',
    bytes: body(BASE + 'c01106 0201 0000fde9'),
    errors: [],
    absent: 'as4Path',
  },
  // §3(g) duplicates, RFC 4271 §6.3 unrecognized well-known
  {
    name: '§3(g) ORIGIN twice: the second is discarded',
    bytes: body(BASE + '40010102'),
    errors: [[3, 1, DISCARD]],
    present: 'origin',
  },
  {
    name: '§3(g) unrecognized optional transitive twice',
    bytes: body(BASE + 'c06301aa c06301bb'),
    errors: [[3, 1, DISCARD]],
    present: 'unknown',
  },
  {
    name: 'RFC 4271 §6.3 unrecognized well-known attribute',
    bytes: body(BASE + '406301aa'),
    throws: [3, 2, RESET],
  },
  // §4 attribute lengths against the Total Path Attribute Length
  {
    name: '§4 attribute overruns the Total Path Attribute Length',
    bytes: body(BASE + 'c00808 00000001'),
    errors: [[3, 5, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§4 fewer than 3 octets left for an attribute header',
    bytes: body(BASE + 'c008'),
    errors: [[3, 1, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§4 fewer than 4 octets left with Extended Length',
    bytes: body(BASE + 'd00800'),
    errors: [[3, 1, TAW]],
    treatAsWithdraw: true,
  },
  // §3(d) missing well-known attributes
  {
    name: '§3(d) ORIGIN missing with NLRI',
    bytes: body(AS_PATH + NEXT_HOP),
    errors: [[3, 3, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§3(d) NEXT_HOP missing with NLRI',
    bytes: body(ORIGIN + AS_PATH),
    errors: [[3, 3, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§3(d) AS_PATH missing with MP_REACH_NLRI only',
    bytes: body(`800e18 ${MP6_HEAD} 1020 01` + ORIGIN, ''),
    errors: [[3, 3, TAW]],
    treatAsWithdraw: true,
  },
  {
    name: '§3(d) NLRI but no attributes at all',
    bytes: body(''),
    errors: [
      [3, 3, TAW],
      [3, 3, TAW],
      [3, 3, TAW],
    ],
    treatAsWithdraw: true,
  },
  { name: 'no NLRI: nothing is mandatory', bytes: body('c00804 fde90064', '', '080a'), errors: [] },
  // §3(h): the strongest action wins
  {
    name: '§3(h) discard + withdraw: withdraw',
    bytes: body('40010103' + AS_PATH + NEXT_HOP + '400601 00'),
    errors: [
      [3, 6, TAW],
      [3, 5, DISCARD],
    ],
    treatAsWithdraw: true,
  },
  // RFC 4271 §6.3 / RFC 7606 §5.3: the UPDATE fields themselves
  {
    name: 'Withdrawn Routes Length overruns the message',
    bytes: Buffer.from('00ff0000', 'hex'),
    throws: [3, 1, RESET],
  },
  {
    name: 'Total Path Attribute Length overruns the message',
    bytes: Buffer.from('000000ff40', 'hex'),
    throws: [3, 1, RESET],
  },
  { name: '§5.3 NLRI prefix length 33', bytes: body(BASE, '210a000000ff'), throws: [3, 10, RESET] },
  { name: '§5.3 Withdrawn Routes prefix overruns', bytes: body('', '', '180a00'), throws: [3, 10, RESET] },
];

describe('wire/attributes RFC 7606 error handling (table-driven)', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const ctx: CodecContext = { ...DEFAULT_CONTEXT, ...c.ctx };
      if (c.throws !== undefined) {
        try {
          decodeUpdate(c.bytes, ctx);
          expect.fail('no session reset');
        } catch (e) {
          expect(e).to.be.instanceOf(BgpError);
          const b = e as BgpError;
          expect([b.code, b.subcode, b.action]).to.deep.equal(c.throws);
        }
        return;
      }
      const m = decodeUpdate(c.bytes, ctx);
      const got = (m.errors ?? []).map((e) => [e.code, e.subcode, e.action]);
      expect(got).to.deep.equal(c.errors ?? []);
      expect(m.treatAsWithdraw === true).to.equal(c.treatAsWithdraw === true);
      if (c.absent !== undefined) expect(m.attrs[c.absent]).to.equal(undefined);
      if (c.present !== undefined) expect(m.attrs[c.present]).to.not.equal(undefined);
    });
  }

  it('puts the erroneous attribute in the NOTIFICATION data (RFC 4271 §6.3)', () => {
    const m = decodeUpdate(body('40010103' + AS_PATH + NEXT_HOP), DEFAULT_CONTEXT);
    expect(Buffer.from(m.errors![0]!.data).toString('hex')).to.equal('40010103');
    const missing = decodeUpdate(body(ORIGIN + AS_PATH), DEFAULT_CONTEXT);
    expect([...missing.errors![0]!.data]).to.deep.equal([3]);
  });
});
