// SipHeaders: the ordered header list of a SIP message (RFC 3261 §7.3). Names keep the spelling
// they arrived with, so serialize(parse(x)) reproduces x; lookups are case-insensitive and accept
// compact forms (§7.3.3) interchangeably with full names.

/** RFC 3261 §7.3.3 and §20 compact forms, plus the extension ones devices send (RFC 3265, 3515, 4028, 3841). */
const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
};

/**
 * Headers whose grammar is a comma-separated list (RFC 3261 §7.3.1), so that "Via: a, b" means two
 * Via values. Authorization, WWW-Authenticate, Date and the like contain commas inside one value
 * and are never split.
 */
const LIST_HEADERS = new Set([
  'via',
  'contact',
  'route',
  'record-route',
  'path',
  'service-route',
  'allow',
  'allow-events',
  'supported',
  'require',
  'proxy-require',
  'unsupported',
  'accept',
  'accept-encoding',
  'accept-language',
  'content-encoding',
  'content-language',
  'in-reply-to',
  'call-info',
  'alert-info',
  'error-info',
  'warning',
]);

/** Lower-case full name for any spelling or compact form: 'V' → 'via', 'Call-ID' → 'call-id'. */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT_FORMS[lower] ?? lower;
}

export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(canonicalHeaderName(name));
}

/**
 * Split a header value at commas that are outside quoted strings and <...> (RFC 3261 §7.3.1):
 * 'SIP/2.0/UDP a;branch=x, SIP/2.0/TCP b' → two values. Empty pieces are dropped.
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuotes = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (inQuotes) {
      if (ch === '\\') {
        i++;
      } else if (ch === '"') {
        inQuotes = false;
      }
    } else if (ch === '"') {
      inQuotes = true;
    } else if (ch === '<') {
      inAngle = true;
    } else if (ch === '>') {
      inAngle = false;
    } else if (ch === ',' && !inAngle) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v.length > 0);
}

export interface SipHeaderEntry {
  /** The name as received or as first written ('v', 'VIA', 'Via'). */
  name: string;
  /** The value with surrounding whitespace removed and folded lines joined by one space. */
  value: string;
  /**
   * The exact text between name and value as received (': ', ':', ' :  '); absent means ': '.
   * Kept only so serialize(parse(x)) is byte-exact.
   */
  separator?: string;
}

export type HeaderInit = Iterable<readonly [string, string]> | Readonly<Record<string, string>>;

/** Name/value pairs of a HeaderInit, in order. */
export function headerPairs(init: HeaderInit | undefined): [string, string][] {
  if (!init) {
    return [];
  }
  const pairs =
    Symbol.iterator in init ? (init as Iterable<readonly [string, string]>) : Object.entries(init);
  return [...pairs].map(([name, value]) => [name, value]);
}

export class SipHeaders implements Iterable<SipHeaderEntry> {
  readonly #entries: SipHeaderEntry[] = [];

  constructor(init?: HeaderInit) {
    for (const [name, value] of headerPairs(init)) {
      this.append(name, value);
    }
  }

  /** Adopt parsed entries as they are (used by the parser). */
  static fromEntries(entries: SipHeaderEntry[]): SipHeaders {
    const h = new SipHeaders();
    h.#entries.push(...entries);
    return h;
  }

  get size(): number {
    return this.#entries.length;
  }

  [Symbol.iterator](): Iterator<SipHeaderEntry> {
    return this.#entries[Symbol.iterator]();
  }

  entries(): readonly SipHeaderEntry[] {
    return this.#entries;
  }

  has(name: string): boolean {
    return this.#index(name) >= 0;
  }

  /** Value of the first header with this name, unsplit. */
  get(name: string): string | undefined {
    const i = this.#index(name);
    return i >= 0 ? this.#entries[i].value : undefined;
  }

  /** Values of every header line with this name, in order, unsplit. */
  getAll(name: string): string[] {
    const key = canonicalHeaderName(name);
    return this.#entries.filter((e) => canonicalHeaderName(e.name) === key).map((e) => e.value);
  }

  /**
   * Every value with this name, with list headers split at commas (§7.3.1):
   * "Via: a, b" + "Via: c" → [a, b, c]. Non-list headers behave as getAll().
   */
  values(name: string): string[] {
    const all = this.getAll(name);
    return isListHeader(name) ? all.flatMap(splitHeaderList) : all;
  }

  /**
   * Replace the first header with this name in place (keeping its position and received name),
   * remove any others; append when absent.
   */
  set(name: string, value: string): this {
    const i = this.#index(name);
    if (i < 0) {
      return this.append(name, value);
    }
    const key = canonicalHeaderName(name);
    this.#entries[i] = { ...this.#entries[i], value };
    for (let j = this.#entries.length - 1; j > i; j--) {
      if (canonicalHeaderName(this.#entries[j].name) === key) {
        this.#entries.splice(j, 1);
      }
    }
    return this;
  }

  append(name: string, value: string): this {
    this.#entries.push({ name, value });
    return this;
  }

  /** Insert before every other header (a new top Via, RFC 3261 §8.1.1.7). */
  prepend(name: string, value: string): this {
    this.#entries.unshift({ name, value });
    return this;
  }

  /** Remove every header with this name; returns how many were removed. */
  remove(name: string): number {
    const key = canonicalHeaderName(name);
    const before = this.#entries.length;
    for (let j = this.#entries.length - 1; j >= 0; j--) {
      if (canonicalHeaderName(this.#entries[j].name) === key) {
        this.#entries.splice(j, 1);
      }
    }
    return before - this.#entries.length;
  }

  /**
   * Replace the first comma-separated element of the first header with this name, keeping the
   * rest of that line: used to stamp `received`/`rport` on the top Via (RFC 3581 §4).
   */
  setFirstValue(name: string, value: string): this {
    const i = this.#index(name);
    if (i < 0) {
      return this.append(name, value);
    }
    const entry = this.#entries[i];
    const parts = isListHeader(name) ? splitHeaderList(entry.value) : [entry.value];
    parts[0] = value;
    this.#entries[i] = { ...entry, value: parts.join(', ') };
    return this;
  }

  /** Remove the first comma-separated element of the first header with this name. */
  removeFirstValue(name: string): this {
    const i = this.#index(name);
    if (i < 0) {
      return this;
    }
    const parts = splitHeaderList(this.#entries[i].value);
    if (parts.length <= 1) {
      this.#entries.splice(i, 1);
    } else {
      this.#entries[i] = { ...this.#entries[i], value: parts.slice(1).join(', ') };
    }
    return this;
  }

  clone(): SipHeaders {
    return SipHeaders.fromEntries(this.#entries.map((e) => ({ ...e })));
  }

  #index(name: string): number {
    const key = canonicalHeaderName(name);
    return this.#entries.findIndex((e) => canonicalHeaderName(e.name) === key);
  }
}
