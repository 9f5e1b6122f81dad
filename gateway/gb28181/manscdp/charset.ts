// Character sets of MANSCDP bodies (GB/T 28181-2016 §6.10 "should" GB2312; 2022 §6.10 "shall"
// GB18030; docs/gb28181.md §0 "Charset" and §11 quirk 1).
//
// Decoding: the declaration is not trusted, because devices lie both ways (wvp #1341, #1344,
// #1461: GB2312 declared, UTF-8 or GBK sent; UTF-8 declared, GB bytes sent). A body that is
// valid UTF-8 is decoded as UTF-8; anything else as GB18030, the superset of GB2312 and GBK.
// GB2312 text with non-ASCII bytes is almost never valid UTF-8 (lead bytes 0xA1-0xF7 followed
// by trail bytes 0xA1-0xFE rarely form UTF-8 sequences), and a per-device override covers the
// rest. Encoding: replies use the device's own charset (wvp default GB2312).
import { Buffer, isUtf8 } from 'node:buffer';
import iconv from 'iconv-lite';

/** The charset names we write in `<?xml ... encoding="...">`. */
export type ManscdpCharset = 'GB2312' | 'GBK' | 'GB18030' | 'UTF-8';

/**
 * Per-device decoding override. 'auto' (default): UTF-8 if valid, else GB18030.
 * 'gb18030' forces GB18030 even for bytes that happen to be valid UTF-8; 'utf-8' forces UTF-8
 * (invalid sequences become U+FFFD).
 */
export type CharsetOverride = 'auto' | 'utf-8' | 'gb18030';

export interface DecodedBody {
  text: string;
  /** How the bytes were actually decoded. ASCII-only bodies report 'utf-8'. */
  decodedAs: 'utf-8' | 'gb18030';
  /** The normalised `encoding=` of the XML declaration, if any was recognised. */
  declared: ManscdpCharset | undefined;
  /** The declaration names a GB charset but the bytes were UTF-8, or the reverse. */
  mismatch: boolean;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/** Maps the spellings seen in the field (GB2312/gb2312/GBK/GB18030/UTF-8/utf8) to ours. */
export function normalizeCharsetName(name: string): ManscdpCharset | undefined {
  const n = name.trim().toLowerCase().replace(/[_\s]/g, '-');
  switch (n) {
    case 'gb2312':
    case 'gb-2312':
    case 'euc-cn':
      return 'GB2312';
    case 'gbk':
    case 'cp936':
    case 'windows-936':
      return 'GBK';
    case 'gb18030':
    case 'gb-18030':
      return 'GB18030';
    case 'utf-8':
    case 'utf8':
      return 'UTF-8';
    default:
      return undefined;
  }
}

/**
 * Reads `encoding="..."` from the XML declaration without decoding the body: the declaration
 * is ASCII in every charset we meet. Looks only at the first 200 bytes.
 */
export function readDeclaredCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 200)).toString(
    'latin1',
  );
  const decl = /<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:-]{1,40})["']/i.exec(head);
  return decl?.[1];
}

function hasUtf8Bom(bytes: Uint8Array): boolean {
  return bytes[0] === UTF8_BOM[0] && bytes[1] === UTF8_BOM[1] && bytes[2] === UTF8_BOM[2];
}

function isAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] >= 0x80) {
      return false;
    }
  }
  return true;
}

/** Decodes a MANSCDP body to a JS string following the rules in the file header. */
export function decodeManscdpBody(bytes: Uint8Array, override: CharsetOverride = 'auto'): DecodedBody {
  const raw = readDeclaredCharset(bytes);
  const declared = raw === undefined ? undefined : normalizeCharsetName(raw);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bom = hasUtf8Bom(bytes);
  let decodedAs: DecodedBody['decodedAs'];
  if (override === 'utf-8') {
    decodedAs = 'utf-8';
  } else if (override === 'gb18030') {
    decodedAs = bom ? 'utf-8' : 'gb18030';
  } else {
    decodedAs = bom || isUtf8(buf) ? 'utf-8' : 'gb18030';
  }

  const text =
    decodedAs === 'utf-8' ? buf.subarray(bom ? 3 : 0).toString('utf8') : iconv.decode(buf, 'gb18030');
  const mismatch =
    declared !== undefined && (declared === 'UTF-8') !== (decodedAs === 'utf-8') && !isAscii(buf);
  return { text, decodedAs, declared, mismatch };
}

/**
 * Encodes an outgoing body. GB2312 and GBK are written with iconv-lite's GBK table (identical
 * bytes for every GB2312 character, and rare characters survive instead of becoming '?');
 * the declaration keeps the device's own name.
 */
export function encodeManscdpBody(text: string, charset: ManscdpCharset): Buffer {
  switch (charset) {
    case 'UTF-8':
      return Buffer.from(text, 'utf8');
    case 'GB18030':
      return iconv.encode(text, 'gb18030');
    case 'GB2312':
    case 'GBK':
      return iconv.encode(text, 'gbk');
  }
}
