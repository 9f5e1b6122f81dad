// Fast path for the one message every device sends every 60 s: the MANSCDP Keepalive
// (GB/T 28181-2016 §9.6, §A.2.5; docs/gb28181.md §2). 10,000 devices make that 170 messages a second,
// and the full parse (charset detection, repairs, fast-xml-parser, element tree) was most of
// their cost. This reads only the canonical shape, in ASCII, with tags spelled as the standard
// writes them:
//
//   <?xml version="1.0" encoding="GB2312"?>      optional declaration
//   <Notify>
//   <CmdType>Keepalive</CmdType>                  value case-insensitive
//   <SN>9</SN>                                    1-20 digits
//   <DeviceID>34020000001180000001</DeviceID>
//   <Status>OK</Status>                           optional, OK or ERROR
//   <Info></Info>                                 optional and empty (Hikvision)
//   </Notify>
//
// in any order, each at most once, whitespace between elements. Anything else (a byte >= 0x80,
// a BOM, a comment, an entity, an <Info> listing faulty sub-devices, other casing of tag names,
// more than 1 KiB) returns undefined and the caller runs parseManscdp, so odd and hostile input
// takes exactly the path it took before. For every body it accepts, the result equals
// parseManscdp's (keepalive-fast-path.test.ts checks this).
import { Buffer } from 'node:buffer';
import { normalizeCharsetName, readDeclaredCharset } from '../manscdp/charset.js';
import type { ParsedManscdp } from '../manscdp/codec.js';
import type { Keepalive } from '../manscdp/device.js';

/** The reference keepalive is 168 bytes; Hikvision's with an empty <Info> about 200. */
const MAX_BYTES = 1024;

const HEAD_RE =
  /\s*(?:<\?xml(?:\s+[A-Za-z][A-Za-z0-9:_-]{0,31}\s*=\s*(?:"[A-Za-z0-9._: -]{0,40}"|'[A-Za-z0-9._: -]{0,40}'))*\s*\?>\s*)?<Notify>\s*/y;
const LEAF_RE =
  /<(CmdType|SN|DeviceID|Status)>([A-Za-z0-9_-]{1,64})<\/\1>\s*|<Info>\s*<\/Info>\s*|<Info\/>\s*/y;
const TAIL_RE = /<\/Notify>\s*$/y;
const SN_RE = /^\d{1,20}$/;
/** How far mentionsKeepalive looks: the CmdType comes within the first lines of any keepalive. */
const SNIFF_BYTES = 4096;
const CMDTYPE_KEEPALIVE_RE = /<CmdType>\s*Keepalive\s*<\/CmdType>/i;

/** The parsed keepalive, or undefined when the body is not in the canonical shape above. */
export function parseKeepaliveFast(body: Uint8Array): ParsedManscdp | undefined {
  const n = body.byteLength;
  if (n === 0 || n > MAX_BYTES) {
    return undefined;
  }
  for (let i = 0; i < n; i++) {
    if (body[i] >= 0x80 || body[i] === 0) {
      return undefined;
    }
  }
  const text = Buffer.from(body.buffer, body.byteOffset, n).toString('latin1');
  HEAD_RE.lastIndex = 0;
  if (!HEAD_RE.test(text)) {
    return undefined;
  }
  let at = HEAD_RE.lastIndex;
  let cmdType: string | undefined;
  let sn: string | undefined;
  let deviceId: string | undefined;
  let status: string | undefined;
  let info = false;
  for (;;) {
    LEAF_RE.lastIndex = at;
    const m = LEAF_RE.exec(text);
    if (!m) {
      break;
    }
    at = LEAF_RE.lastIndex;
    const value = m[2];
    switch (m[1]) {
      case 'CmdType':
        if (cmdType !== undefined) {
          return undefined;
        }
        cmdType = value;
        break;
      case 'SN':
        if (sn !== undefined) {
          return undefined;
        }
        sn = value;
        break;
      case 'DeviceID':
        if (deviceId !== undefined) {
          return undefined;
        }
        deviceId = value;
        break;
      case 'Status':
        if (status !== undefined) {
          return undefined;
        }
        status = value.toUpperCase();
        break;
      default: // <Info>
        if (info) {
          return undefined;
        }
        info = true;
    }
  }
  TAIL_RE.lastIndex = at;
  if (!TAIL_RE.test(text)) {
    return undefined;
  }
  if (
    cmdType?.toLowerCase() !== 'keepalive' ||
    sn === undefined ||
    !SN_RE.test(sn) ||
    deviceId === undefined
  ) {
    return undefined;
  }
  const message: Keepalive = { kind: 'Keepalive', sn, deviceId, faultyDeviceIds: [] };
  if (status === 'OK' || status === 'ERROR') {
    message.status = status;
  } else if (status !== undefined) {
    return undefined;
  }
  const raw = readDeclaredCharset(body);
  return {
    message,
    root: 'Notify',
    cmdType: 'Keepalive',
    // ASCII is valid UTF-8, so decodeManscdpBody reports utf-8 and never a mismatch.
    charset: {
      decodedAs: 'utf-8',
      declared: raw === undefined ? undefined : normalizeCharsetName(raw),
      mismatch: false,
    },
  };
}

/**
 * Whether a body says CmdType Keepalive anywhere in its first 4 KiB, read as bytes (the tag
 * and value are ASCII in every charset a device uses). No parse: it only picks the refusal for
 * an unregistered sender, 404 for a keepalive (the device registers again) and 403 otherwise,
 * for the keepalives the fast path does not read (GB2312 text in <Info>, comments, odd case).
 */
export function mentionsKeepalive(body: Uint8Array): boolean {
  const n = Math.min(body.byteLength, SNIFF_BYTES);
  return CMDTYPE_KEEPALIVE_RE.test(Buffer.from(body.buffer, body.byteOffset, n).toString('latin1'));
}
