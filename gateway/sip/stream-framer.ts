// Frames SIP messages out of a TCP byte stream by Content-Length (RFC 3261 §18.3), answering
// the double-CRLF keep-alive (RFC 5626 §4.4.1) and resynchronising on garbage. Pure: a
// Processor (docs/architecture.md §5 "One stage contract"), so it is tested by splitting the same bytes at every offset.
import type { Processor } from '../../codecs/processor.js';
import { findHeaderEnd } from './message.js';

export type StreamFrame =
  /** One complete message: header section and exactly Content-Length body bytes (a copy). */
  | { type: 'message'; bytes: Uint8Array }
  /** CRLFCRLF between messages: the peer wants a single CRLF back (RFC 5626 §4.4.1). */
  | { type: 'ping' }
  /** A single CRLF between messages: the answer to our ping, or stray padding. */
  | { type: 'pong' }
  /**
   * A message larger than the limit: its header section (for a 513) is given, and its
   * `declaredLength` body bytes are skipped as they arrive, so the stream stays in sync.
   */
  | { type: 'oversized'; head: Uint8Array; declaredLength: number }
  /** A line that is not a start line, dropped while looking for the next message. */
  | { type: 'garbage'; bytes: number; sample: string }
  /** The stream cannot be framed any more (header section over the limit): close the connection. */
  | { type: 'desync'; reason: string };

export interface StreamFramerOptions {
  /** Largest message (headers + body) accepted. Default 65 536 bytes. */
  maxMessageBytes?: number;
}

const CR = 0x0d;
const LF = 0x0a;
const START_LINE = /^([A-Za-z0-9.!%*_+`'~-]+ \S+ SIP\/2\.0|SIP\/2\.0 \d{3}( .*)?)$/i;
const CONTENT_LENGTH_LINE = /^(?:content-length|l)[ \t]*:[ \t]*(.*?)[ \t]*$/i;

export class StreamFramer implements Processor<Uint8Array, StreamFrame> {
  readonly #max: number;
  #buf = new Uint8Array(4096);
  #start = 0; // first unconsumed byte
  #end = 0; // one past the last buffered byte
  #atMessageStart = true;
  #scanFrom = 0; // offset (relative to #start) where the header-end search resumes
  #pendingTotal = -1; // total length of the framed message once its head is known
  #skip = 0; // body bytes of an oversized message still to discard
  #dead = false;
  readonly #stats = {
    messages: 0,
    pings: 0,
    pongs: 0,
    garbageBytes: 0,
    oversized: 0,
    desyncs: 0,
    droppedAtFlush: 0,
  };

  constructor(opts: StreamFramerOptions = {}) {
    this.#max = opts.maxMessageBytes ?? 65_536;
  }

  get stats(): Readonly<Record<string, number>> {
    return this.#stats;
  }

  /** Bytes buffered and not yet part of a complete frame. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  push(chunk: Uint8Array): StreamFrame[] {
    if (this.#dead) {
      return [];
    }
    this.#append(chunk);
    const out: StreamFrame[] = [];
    while (!this.#dead && this.#step(out)) {}
    return out;
  }

  flush(): StreamFrame[] {
    this.#stats.droppedAtFlush += this.#end - this.#start;
    this.#start = this.#end = 0;
    this.#reset();
    this.#skip = 0;
    return [];
  }

  /** One framing step; false when more bytes are needed. */
  #step(out: StreamFrame[]): boolean {
    const avail = this.#end - this.#start;
    if (this.#skip > 0) {
      const n = Math.min(avail, this.#skip);
      this.#consume(n);
      this.#skip -= n;
      return n > 0;
    }
    if (avail === 0) {
      return false;
    }
    const b = this.#buf;
    const s = this.#start;

    if (this.#atMessageStart) {
      if (b[s] === CR || b[s] === LF) {
        return this.#keepAlive(out, avail);
      }
      const lf = this.#indexOf(LF, 0);
      if (lf < 0) {
        return this.#checkLimit(out, avail, 'start line');
      }
      const line = latin1(b, s, s + lf - (lf > 0 && b[s + lf - 1] === CR ? 1 : 0));
      if (!START_LINE.test(line)) {
        // Leftover body bytes after a short Content-Length, or noise: drop the line (§18.3 leaves
        // recovery to us; the next start line resynchronises the stream).
        this.#stats.garbageBytes += lf + 1;
        out.push({ type: 'garbage', bytes: lf + 1, sample: line.slice(0, 60) });
        this.#consume(lf + 1);
        return true;
      }
      this.#atMessageStart = false;
      this.#scanFrom = lf;
    }

    if (this.#pendingTotal < 0) {
      const end = findHeaderEnd(b.subarray(s, this.#end), Math.max(0, this.#scanFrom - 1));
      if (!end) {
        this.#scanFrom = Math.max(0, avail - 3);
        return this.#checkLimit(out, avail, 'header section');
      }
      const headLen = end[0] + end[1];
      const declared = contentLength(latin1(b, s, s + end[0]));
      const total = headLen + declared;
      if (total > this.#max) {
        this.#stats.oversized++;
        out.push({ type: 'oversized', head: b.slice(s, s + headLen), declaredLength: declared });
        this.#consume(headLen);
        this.#skip = declared;
        this.#reset();
        return true;
      }
      this.#pendingTotal = total;
    }

    if (avail < this.#pendingTotal) {
      return false;
    }
    this.#stats.messages++;
    out.push({ type: 'message', bytes: b.slice(s, s + this.#pendingTotal) });
    this.#consume(this.#pendingTotal);
    this.#reset();
    return true;
  }

  /** RFC 5626 §4.4.1: CRLFCRLF is a ping, a lone CRLF a pong; wait while it is ambiguous. */
  #keepAlive(out: StreamFrame[], avail: number): boolean {
    const b = this.#buf;
    const s = this.#start;
    if (b[s] === LF) {
      this.#consume(1); // a bare LF from a lenient sender
      return true;
    }
    if (avail < 2) {
      return false;
    }
    if (b[s + 1] !== LF) {
      this.#stats.garbageBytes++;
      this.#consume(1);
      return true;
    }
    if (avail < 3) {
      return false;
    }
    if (b[s + 2] !== CR) {
      this.#stats.pongs++;
      out.push({ type: 'pong' });
      this.#consume(2);
      return true;
    }
    if (avail < 4) {
      return false;
    }
    if (b[s + 3] === LF) {
      this.#stats.pings++;
      out.push({ type: 'ping' });
      this.#consume(4);
    } else {
      this.#stats.pongs++;
      out.push({ type: 'pong' });
      this.#consume(2);
    }
    return true;
  }

  #checkLimit(out: StreamFrame[], avail: number, what: string): boolean {
    if (avail > this.#max) {
      this.#stats.desyncs++;
      this.#dead = true;
      out.push({ type: 'desync', reason: `${what} exceeds ${this.#max} bytes` });
      this.#start = this.#end = 0;
    }
    return false;
  }

  #reset(): void {
    this.#atMessageStart = true;
    this.#scanFrom = 0;
    this.#pendingTotal = -1;
  }

  #indexOf(byte: number, from: number): number {
    for (let i = this.#start + from; i < this.#end; i++) {
      if (this.#buf[i] === byte) {
        return i - this.#start;
      }
    }
    return -1;
  }

  #consume(n: number): void {
    this.#start += n;
    if (this.#start === this.#end) {
      this.#start = this.#end = 0;
    }
  }

  /** Append with amortised growth, so a peer sending one byte per segment costs O(n), not O(n²). */
  #append(chunk: Uint8Array): void {
    const used = this.#end - this.#start;
    if (this.#end + chunk.length > this.#buf.length) {
      if (used + chunk.length <= this.#buf.length && this.#start > 0) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        const next = new Uint8Array(Math.max(this.#buf.length * 2, used + chunk.length));
        next.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = next;
      }
      this.#start = 0;
      this.#end = used;
    }
    this.#buf.set(chunk, this.#end);
    this.#end += chunk.length;
  }
}

/**
 * Content-Length from a header section; 0 when absent or unreadable. §18.3 makes it mandatory on
 * streams; without it we frame an empty body and let the parser judge the message.
 */
function contentLength(head: string): number {
  for (const line of head.split(/\r?\n/)) {
    const m = CONTENT_LENGTH_LINE.exec(line);
    if (m) {
      return /^\d{1,10}$/.test(m[1]) ? Number(m[1]) : 0;
    }
  }
  return 0;
}

function latin1(b: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i += 4096) {
    s += String.fromCharCode(...b.subarray(i, Math.min(to, i + 4096)));
  }
  return s;
}
