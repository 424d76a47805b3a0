// RFC 6793 §4.2.3 merge cases. The UPDATE bytes are written by hand from RFC 4271 §4.3 (2-octet
// AS_PATH/AGGREGATOR) and RFC 6793 §3 (AS4_PATH/AS4_AGGREGATOR, 4-octet) field layouts.
import { expect } from 'chai';
import { as4ForOldSpeaker, mergeAsPath } from './as4.ts';
import { DEFAULT_CONTEXT, type CodecContext } from './types.ts';
import { decodeUpdate, encodeUpdate } from './update.ts';
import { emptyPrefixList } from './nlri.ts';

const OLD: CodecContext = { ...DEFAULT_CONTEXT, fourOctetAs: false };
function body(attrs: string): Buffer {
  const a = Buffer.from(attrs.replace(/\s+/g, ''), 'hex');
  return Buffer.concat([Buffer.from([0, 0, a.length >> 8, a.length & 0xff]), a, Buffer.from('080a', 'hex')]);
}
const BASE = '40010100 400304c0000201';
const SEQ = (...asns: number[]) => ({ type: 2, asns });

describe('wire/as4 (RFC 6793 §4.2.3)', () => {
  it('replaces AS_TRANS entries with the AS4_PATH tail', () => {
    // AS_PATH: SEQ 65001 23456 23456; AS4_PATH: SEQ 4200000000 4200000001
    const m = decodeUpdate(body(BASE + '40020802 03 fde9 5ba0 5ba0' + 'c0110a 0202 fa56ea00 fa56ea01'), OLD);
    expect(m.errors).to.equal(undefined);
    expect(m.attrs.asPath).to.deep.equal([SEQ(65001, 4200000000, 4200000001)]);
    expect(m.attrs.as4Path).to.deep.equal([SEQ(4200000000, 4200000001)]);
  });

  it('ignores an AS4_PATH longer than AS_PATH', () => {
    const m = decodeUpdate(body(BASE + '40020402 01 5ba0' + 'c0110a 0202 fa56ea00 fa56ea01'), OLD);
    expect(m.attrs.asPath).to.deep.equal([SEQ(23456)]);
  });

  it('ignores AS4_AGGREGATOR and AS4_PATH when AGGREGATOR is not AS_TRANS', () => {
    const m = decodeUpdate(
      body(
        BASE +
          '40020602 02 fde9 5ba0' +
          'c00706 fdea c0000202' +
          'c01208 fa56ea00 c0000203' +
          'c01106 0201 fa56ea00',
      ),
      OLD,
    );
    expect(m.attrs.aggregator).to.deep.equal({ asn: 65002, address: 0xc0000202 });
    expect(m.attrs.asPath).to.deep.equal([SEQ(65001, 23456)]);
  });

  it('takes AS4_AGGREGATOR when AGGREGATOR is AS_TRANS', () => {
    const m = decodeUpdate(
      body(BASE + '40020602 02 fde9 5ba0' + 'c00706 5ba0 c0000202' + 'c01208 fa56ea00 c0000203'),
      OLD,
    );
    expect(m.attrs.aggregator).to.deep.equal({ asn: 4200000000, address: 0xc0000203 });
  });

  it('from a 4-octet peer the AS4 attributes are discarded and nothing is merged', () => {
    const m = decodeUpdate(
      body(BASE + '40020602 01 0000fde9' + 'c0110a 0202 fa56ea00 fa56ea01'),
      DEFAULT_CONTEXT,
    );
    expect(m.attrs.asPath).to.deep.equal([SEQ(65001)]);
    expect(m.attrs.as4Path).to.equal(undefined);
  });

  it('counts an AS_SET as one and keeps leading confederation segments', () => {
    const asPath = [{ type: 3, asns: [64512] }, SEQ(1, 2), { type: 1, asns: [23456, 7] }];
    // AS_PATH counts 3 (2 + set 1, confed 0); AS4_PATH counts 2: take 1 AS from the front.
    const merged = mergeAsPath(asPath, [SEQ(4200000000), { type: 1, asns: [4200000001, 7] }]);
    expect(merged).to.deep.equal([
      { type: 3, asns: [64512] },
      SEQ(1, 4200000000),
      { type: 1, asns: [4200000001, 7] },
    ]);
  });

  it('builds AS4_PATH and AS4_AGGREGATOR for an OLD speaker, and that round-trips', () => {
    const attrs = as4ForOldSpeaker({
      origin: 0,
      asPath: [{ type: 3, asns: [64512] }, SEQ(65001, 4200000000)],
      nextHop: 1,
      aggregator: { asn: 4200000001, address: 5 },
    });
    expect(attrs.as4Path).to.deep.equal([SEQ(65001, 4200000000)]);
    const out = encodeUpdate(
      { type: 'update', withdrawn: emptyPrefixList(1), attrs, nlri: emptyPrefixList(1) },
      OLD,
    );
    const back = decodeUpdate(out.subarray(19), OLD);
    expect(back.attrs.asPath).to.deep.equal([{ type: 3, asns: [64512] }, SEQ(65001, 4200000000)]);
    expect(back.attrs.aggregator).to.deep.equal({ asn: 4200000001, address: 5 });
  });
});
