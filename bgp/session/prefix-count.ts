// Exact count of the prefixes a peer currently announces, per family, for max-prefix (RFC 4486
// Cease/1) and the counters. In: each UPDATE's announced and withdrawn PrefixLists. Out: the
// count per family key. A re-announcement of a prefix is an implicit withdraw (RFC 4271 §3.1) and
// does not count twice, so the set of prefixes (with ADD-PATH path ids) is kept.
// IPv4 without ADD-PATH uses number keys (address * 64 + length, exact in a double); other
// prefixes use a short string key.
import type { PrefixList, UpdateMessage } from '../wire/types.ts';
import { Afi, familyKey, Safi } from '../wire/iana/afi-safi.ts';

class FamilyPrefixes {
  readonly numbers = new Set<number>();
  readonly strings = new Set<string>();

  get size(): number {
    return this.numbers.size + this.strings.size;
  }

  apply(list: PrefixList, add: boolean): void {
    const v4 = list.afi === Afi.IPV4 && list.pathIds === null;
    for (let i = 0; i < list.count; i++) {
      if (v4) {
        const key = list.words[i]! * 64 + list.lengths[i]!;
        if (add) this.numbers.add(key);
        else this.numbers.delete(key);
        continue;
      }
      let key: string;
      if (list.afi === Afi.IPV4) {
        key = `${list.words[i]}/${list.lengths[i]}`;
      } else {
        const w = list.words;
        key = `${w[4 * i]}.${w[4 * i + 1]}.${w[4 * i + 2]}.${w[4 * i + 3]}/${list.lengths[i]}`;
      }
      if (list.pathIds !== null) key += `#${list.pathIds[i]}`;
      if (add) this.strings.add(key);
      else this.strings.delete(key);
    }
  }
}

export class PrefixCount {
  private readonly families = new Map<number, FamilyPrefixes>();

  private of(afi: number, safi: number): FamilyPrefixes {
    const key = familyKey(afi, safi);
    let f = this.families.get(key);
    if (f === undefined) {
      f = new FamilyPrefixes();
      this.families.set(key, f);
    }
    return f;
  }

  /** Applies an UPDATE; returns the family keys whose count grew. */
  apply(msg: UpdateMessage): number[] {
    const grew: number[] = [];
    const v4 = this.of(Afi.IPV4, Safi.UNICAST);
    v4.apply(msg.withdrawn, false);
    const mpUnreach = msg.attrs.mpUnreach;
    if (mpUnreach !== undefined) this.of(mpUnreach.afi, mpUnreach.safi).apply(mpUnreach.withdrawn, false);
    // RFC 7606 treat-as-withdraw: the announced prefixes are handled as withdrawn.
    const add = msg.treatAsWithdraw !== true;
    if (msg.nlri.count > 0) {
      const before = v4.size;
      v4.apply(msg.nlri, add);
      if (v4.size > before) grew.push(familyKey(Afi.IPV4, Safi.UNICAST));
    }
    const mpReach = msg.attrs.mpReach;
    if (mpReach !== undefined && mpReach.nlri.count > 0) {
      const f = this.of(mpReach.afi, mpReach.safi);
      const before = f.size;
      f.apply(mpReach.nlri, add);
      if (f.size > before) grew.push(familyKey(mpReach.afi, mpReach.safi));
    }
    return grew;
  }

  count(key: number): number {
    return this.families.get(key)?.size ?? 0;
  }

  keys(): number[] {
    return [...this.families.keys()];
  }

  clear(): void {
    this.families.clear();
  }
}
