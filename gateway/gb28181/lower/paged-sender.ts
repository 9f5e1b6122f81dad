// Multi-response transmission (GB/T 28181-2016 Annex N, 2022 Annex M; docs/gb28181.md §3.2): a Catalog
// or RecordInfo answer split into pages of K items, every page carrying the request's SN, SumNum =
// grand total and Num = items in the page, sent serially, each after the SIP 200 to the previous.
// Fault knobs reproduce what uppers must survive: pages out of order and duplicated (wvp #464, #853).
import type { ManscdpMessage } from '../manscdp/codec.js';
import type { UpperLink } from './upper-link.js';

export interface PagingFaults {
  /** Send the pages in a shuffled order. */
  shuffle?: boolean;
  /** Probability (0..1) that a page is sent twice. */
  duplicate?: number;
  /** Random source for both; default Math.random. */
  random?: () => number;
}

export interface PagedResult {
  /** Pages answered 2xx (duplicates included). */
  sent: number;
  /** Pages that got no 2xx; sending stops at the first one (the upper is not listening). */
  failed: number;
}

/** Split `items` into pages of at most `pageSize` (at least one page, possibly empty). */
export function paginate<T>(items: readonly T[], pageSize: number): T[][] {
  const size = Math.max(1, Math.floor(pageSize));
  if (items.length === 0) {
    return [[]];
  }
  const pages: T[][] = [];
  for (let i = 0; i < items.length; i += size) {
    pages.push(items.slice(i, i + size));
  }
  return pages;
}

/**
 * Send every page built by `build(pageItems, sumNum)`. An empty result is one message with SumNum 0
 * and no list (the codec omits an empty DeviceList/RecordList, wvp #401).
 */
export async function sendPaged<T>(
  link: UpperLink,
  items: readonly T[],
  pageSize: number,
  build: (page: T[], sumNum: number) => ManscdpMessage,
  faults: PagingFaults = {},
): Promise<PagedResult> {
  const random = faults.random ?? Math.random;
  const pages = paginate(items, pageSize);
  if (faults.shuffle) {
    shuffle(pages, random);
  }
  const result: PagedResult = { sent: 0, failed: 0 };
  for (const page of pages) {
    const copies = faults.duplicate && random() < faults.duplicate ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      const res = await link.sendManscdp(build(page, items.length));
      if (res.status < 200 || res.status >= 300) {
        result.failed++;
        return result;
      }
      result.sent++;
    }
  }
  return result;
}

/** Fisher-Yates in place. */
function shuffle<T>(list: T[], random: () => number): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
}
