// MANSCDP bodies as a lower platform writes them: manscdp.ts's reference-shaped XML in the
// configured charset (GB2312 by default, 2016 §6.10), plus the vendor profile's quirks (raw '&'
// in names for Hikvision, `standalone="yes"` for Dahua; docs/gb28181.md §0 "Robust XML"). Pure.
import { encodeManscdpBody, type ManscdpCharset } from '../manscdp/charset.js';
import { buildManscdpXml, type ManscdpMessage } from '../manscdp/codec.js';
import type { VendorProfile } from './vendor-profile.js';

export const MANSCDP_CONTENT_TYPE = 'Application/MANSCDP+xml';

export type WriterQuirks = Pick<VendorProfile, 'rawAmpersand' | 'xmlStandalone'>;

export function lowerManscdpText(
  message: ManscdpMessage,
  charset: ManscdpCharset,
  quirks?: WriterQuirks,
): string {
  let text = buildManscdpXml(message, charset);
  if (quirks?.xmlStandalone) {
    text = text.replace('?>', ' standalone="yes"?>');
  }
  // writeXml escapes text content only, so undoing '&amp;' touches names and addresses only:
  // what a Hikvision NVR sends for a channel called "A&B" (quirk 2).
  if (quirks?.rawAmpersand) {
    text = text.replaceAll('&amp;', '&');
  }
  return text;
}

export function encodeLowerManscdp(
  message: ManscdpMessage,
  charset: ManscdpCharset,
  quirks?: WriterQuirks,
): Uint8Array {
  return encodeManscdpBody(lowerManscdpText(message, charset, quirks), charset);
}
