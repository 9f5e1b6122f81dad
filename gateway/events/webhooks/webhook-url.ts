// Which URLs a webhook may point at (docs/events.md §5). Operators register them with the API
// token, so intranet receivers (private and loopback addresses) are allowed; what is refused is
// what no receiver lives at and what an attacker would aim a server-side request at: link-local
// addresses (169.254.169.254 is the cloud metadata service), unspecified, multicast and
// broadcast addresses, credentials in the URL, and schemes other than http and https. The same
// address check runs on every resolved address at delivery time (http-post.ts), so a DNS name
// cannot smuggle a link-local target in later.
import { isIP } from 'node:net';

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

export function checkWebhookUrl(text: string): UrlCheck {
  if (text.length > MAX_WEBHOOK_URL_LENGTH) {
    return { ok: false, reason: `longer than ${MAX_WEBHOOK_URL_LENGTH} characters` };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, reason: 'only http and https URLs are allowed' };
  }
  if (url.username || url.password) {
    return { ok: false, reason: 'credentials in the URL are not allowed (use the secret)' };
  }
  if (url.hash) {
    return { ok: false, reason: 'a fragment is never sent; remove it' };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host) {
    return { ok: false, reason: 'no host' };
  }
  const refused = refusedAddress(host);
  if (refused) {
    return { ok: false, reason: refused };
  }
  return { ok: true, url };
}

/** Why an IP literal may not receive webhooks; undefined for a host name or an allowed address. */
export function refusedAddress(host: string): string | undefined {
  const family = isIP(host);
  if (family === 4) {
    const [a, b] = host.split('.').map(Number) as [number, number];
    if (a === 0) {
      return 'unspecified address';
    }
    if (a === 169 && b === 254) {
      return 'link-local address (cloud metadata lives there)';
    }
    if (a >= 224) {
      return 'multicast or reserved address';
    }
    return undefined;
  }
  if (family === 6) {
    const h = host.toLowerCase();
    if (h === '::' || /^0*:0*:0*:0*:0*:0*:0*:0*$/.test(h)) {
      return 'unspecified address';
    }
    if (/^fe[89ab]/.test(h)) {
      return 'link-local address';
    }
    if (h.startsWith('ff')) {
      return 'multicast address';
    }
    // IPv4-mapped (RFC 4291 §2.5.5.2), dotted or as WHATWG URL writes it (::ffff:a9fe:a9fe).
    const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    if (dotted) {
      return refusedAddress(dotted[1]);
    }
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
    if (hex) {
      const [hi, lo] = [parseInt(hex[1], 16), parseInt(hex[2], 16)];
      return refusedAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
    }
    return undefined;
  }
  return undefined;
}
