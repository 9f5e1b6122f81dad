// Parse/format helpers for the headers the transaction and dialog layers read: Via (RFC 3261
// §20.42, RFC 3581), From/To/Contact name-addr (§20.10, §20.20, §20.39), CSeq (§20.16).
// Pure functions and small value classes; nothing here throws on bad input.
import { SipParams, quote, unquote } from './params.js';
import { splitHeaderList, type SipHeaders } from './header-list.js';
import { formatHostPort, parseHostPort } from './uri.js';

/** The RFC 3261 §8.1.1.7 magic cookie that marks a branch as globally unique. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

export class Via {
  constructor(
    /** 'UDP', 'TCP', … (upper-case). */
    public transport: string,
    public host: string,
    public port: number | undefined,
    public params: SipParams = new SipParams(),
    /** 'SIP/2.0'. */
    public protocol = 'SIP/2.0',
  ) {}

  get branch(): string | undefined {
    return this.params.get('branch') ?? undefined;
  }

  get received(): string | undefined {
    return this.params.get('received') ?? undefined;
  }

  /** RFC 3581: undefined when absent, null when present without a value, else the port. */
  get rport(): number | null | undefined {
    const v = this.params.get('rport');
    if (v === undefined || v === null) {
      return v;
    }
    const n = Number(v);
    return Number.isInteger(n) && n > 0 && n < 65536 ? n : null;
  }

  clone(): Via {
    return new Via(this.transport, this.host, this.port, this.params.clone(), this.protocol);
  }

  toString(): string {
    return `${this.protocol}/${this.transport} ${formatHostPort(this.host, this.port)}${this.params.toString()}`;
  }
}

const VIA =
  /^\s*([A-Za-z0-9.!%*_+`'~-]+)\s*\/\s*([A-Za-z0-9.!%*_+`'~-]+)\s*\/\s*([A-Za-z0-9.!%*_+`'~-]+)\s+([^;\s]+)\s*(;.*)?$/s;

/** Parse one Via value (not a comma list). */
export function parseVia(text: string): Via | undefined {
  const m = VIA.exec(text);
  if (!m) {
    return undefined;
  }
  const hostport = parseHostPort(m[4]);
  if (!hostport) {
    return undefined;
  }
  const params = m[5] ? SipParams.parse(m[5]) : new SipParams();
  return new Via(m[3].toUpperCase(), hostport.host, hostport.port, params, `${m[1].toUpperCase()}/${m[2]}`);
}

/** The first Via value of a message (the top-most, §8.2.6.2 / §18.2.2), parsed. */
export function getTopVia(headers: SipHeaders): Via | undefined {
  const first = headers.get('via');
  if (first === undefined) {
    return undefined;
  }
  const value = splitHeaderList(first)[0];
  return value === undefined ? undefined : parseVia(value);
}

/**
 * RFC 3261 §18.2.1 and RFC 3581 §4: record where a request really came from on its top Via.
 * `received` is always set (GB28181 devices sit behind NAT, docs/gb28181.md §1.5); `rport` is filled
 * only when the client asked for it with a bare `;rport`. Returns false when there is no valid Via.
 */
export function stampReceived(headers: SipHeaders, address: string, port: number): boolean {
  const via = getTopVia(headers);
  if (!via) {
    return false;
  }
  if (via.params.has('rport')) {
    via.params.set('rport', String(port));
  }
  via.params.set('received', address, { after: 'rport' });
  headers.setFirstValue('via', via.toString());
  return true;
}

export class NameAddr {
  constructor(
    /** The URI between < and >, as written. */
    public uri: string,
    /** Header parameters after the URI (tag, expires, …). */
    public params: SipParams = new SipParams(),
    /** Display name without quotes, when present. */
    public displayName?: string,
  ) {}

  get tag(): string | undefined {
    return this.params.get('tag') ?? undefined;
  }

  set tag(value: string | undefined) {
    if (value === undefined) {
      this.params.delete('tag');
    } else {
      this.params.set('tag', value);
    }
  }

  clone(): NameAddr {
    return new NameAddr(this.uri, this.params.clone(), this.displayName);
  }

  /** Always the name-addr form with angle brackets (§20.10: unambiguous with parameters). */
  toString(): string {
    const name = this.displayName !== undefined ? `${quote(this.displayName)} ` : '';
    return `${name}<${this.uri}>${this.params.toString()}`;
  }
}

/**
 * Parse a From/To/Contact value: `"Name" <uri>;params`, `Name <uri>;params`, or a bare addr-spec
 * `uri;params` whose parameters are header parameters (§20.10). Undefined when malformed.
 */
export function parseNameAddr(text: string): NameAddr | undefined {
  const t = text.trim();
  const open = findAngleOpen(t);
  if (open >= 0) {
    const close = t.indexOf('>', open);
    if (close < 0) {
      return undefined;
    }
    const uri = t.slice(open + 1, close).trim();
    if (!uri || !uri.includes(':')) {
      return undefined;
    }
    const display = t.slice(0, open).trim();
    const params = SipParams.parse(t.slice(close + 1).trim());
    return new NameAddr(uri, params, display ? unquote(display) : undefined);
  }
  const semi = t.indexOf(';');
  const uri = (semi < 0 ? t : t.slice(0, semi)).trim();
  if (!uri || !uri.includes(':') || /\s/.test(uri)) {
    return undefined;
  }
  return new NameAddr(uri, semi < 0 ? new SipParams() : SipParams.parse(t.slice(semi + 1)));
}

/** Index of the '<' that opens the URI, skipping any inside a quoted display name. */
function findAngleOpen(t: string): number {
  let inQuotes = false;
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (inQuotes) {
      if (ch === '\\') {
        i++;
      } else if (ch === '"') {
        inQuotes = false;
      }
    } else if (ch === '"') {
      inQuotes = true;
    } else if (ch === '<') {
      return i;
    }
  }
  return -1;
}

export interface CSeq {
  /** 32-bit unsigned, below 2**31 (§8.1.1.5). */
  seq: number;
  method: string;
}

export function parseCSeq(text: string): CSeq | undefined {
  const m = /^\s*(\d{1,10})\s+([A-Za-z!%*_+`'~.-]+)\s*$/.exec(text);
  if (!m) {
    return undefined;
  }
  const seq = Number(m[1]);
  if (seq > 0xffffffff) {
    return undefined;
  }
  return { seq, method: m[2] };
}

export function formatCSeq(cseq: CSeq): string {
  return `${cseq.seq} ${cseq.method}`;
}
