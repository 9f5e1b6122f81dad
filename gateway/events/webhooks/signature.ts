// X-GB-Signature (docs/events.md §5): `sha256=` and the hex HMAC-SHA256 of the exact body bytes,
// keyed with the webhook's secret, the scheme GitHub made familiar. A receiver recomputes it over
// the raw body it read and compares in constant time (verifySignature).
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-GB-Signature';

export function signBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function verifySignature(
  secret: string,
  body: string | Uint8Array,
  header: string | undefined,
): boolean {
  if (!header) {
    return false;
  }
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(header.trim());
  return given.length === expected.length && timingSafeEqual(given, expected);
}
