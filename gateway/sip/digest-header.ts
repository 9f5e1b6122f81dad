// WWW-Authenticate and Authorization values for HTTP Digest as SIP uses it (RFC 2617 §3.2.1,
// §3.2.2; RFC 3261 §22.4): parse and format. Pure; unknown parameters are kept but ignored.
import { quote, splitOutsideQuotes, unquote } from './params.js';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** 'MD5' when absent (RFC 2617 §3.2.1). */
  algorithm: string;
  /** qop options offered, e.g. ['auth']; empty when the server offers none (RFC 2069 style). */
  qop: string[];
  opaque?: string;
  stale: boolean;
}

export interface DigestCredentials {
  username: string;
  realm: string;
  nonce: string;
  /** The digest-uri exactly as written: it is hashed verbatim (docs/gb28181.md §1.3). */
  uri: string;
  response: string;
  algorithm?: string;
  qop?: string;
  /** 8 hex digits, as sent (RFC 2617 §3.2.2). */
  nc?: string;
  cnonce?: string;
  opaque?: string;
}

/** "Digest a=b, c="d"" → lower-case name → unquoted value; undefined when the scheme is not Digest. */
export function parseAuthParams(value: string): Map<string, string> | undefined {
  const m = /^\s*digest\s+/i.exec(value);
  if (!m) {
    return undefined;
  }
  const params = new Map<string, string>();
  for (const piece of splitOutsideQuotes(value.slice(m[0].length), ',')) {
    const eq = piece.indexOf('=');
    if (eq < 0) {
      continue;
    }
    const name = piece.slice(0, eq).trim().toLowerCase();
    if (name) {
      params.set(name, unquote(piece.slice(eq + 1)));
    }
  }
  return params;
}

export function parseDigestChallenge(value: string): DigestChallenge | undefined {
  const p = parseAuthParams(value);
  const realm = p?.get('realm');
  const nonce = p?.get('nonce');
  if (!p || realm === undefined || !nonce) {
    return undefined;
  }
  const challenge: DigestChallenge = {
    realm,
    nonce,
    algorithm: p.get('algorithm') ?? 'MD5',
    qop: (p.get('qop') ?? '')
      .split(',')
      .map((q) => q.trim().toLowerCase())
      .filter(Boolean),
    stale: (p.get('stale') ?? '').toLowerCase() === 'true',
  };
  const opaque = p.get('opaque');
  if (opaque !== undefined) {
    challenge.opaque = opaque;
  }
  return challenge;
}

/** `Digest realm="…", nonce="…", algorithm=MD5[, qop="auth"][, opaque="…"][, stale=true]`. */
export function formatDigestChallenge(c: DigestChallenge): string {
  const parts = [`realm=${quote(c.realm)}`, `nonce=${quote(c.nonce)}`, `algorithm=${c.algorithm}`];
  if (c.qop.length > 0) {
    parts.push(`qop=${quote(c.qop.join(','))}`);
  }
  if (c.opaque !== undefined) {
    parts.push(`opaque=${quote(c.opaque)}`);
  }
  if (c.stale) {
    parts.push('stale=true');
  }
  return `Digest ${parts.join(', ')}`;
}

/** Undefined when a mandatory parameter (username, realm, nonce, uri, response) is missing. */
export function parseDigestCredentials(value: string): DigestCredentials | undefined {
  const p = parseAuthParams(value);
  if (!p) {
    return undefined;
  }
  const username = p.get('username');
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  const uri = p.get('uri');
  const response = p.get('response');
  if (username === undefined || realm === undefined || !nonce || !uri || !response) {
    return undefined;
  }
  const c: DigestCredentials = { username, realm, nonce, uri, response };
  for (const key of ['algorithm', 'qop', 'nc', 'cnonce', 'opaque'] as const) {
    const v = p.get(key);
    if (v !== undefined) {
      c[key] = v;
    }
  }
  return c;
}

/** RFC 2617 §3.2.2 order; qop and nc are tokens (unquoted), the rest quoted. */
export function formatDigestCredentials(c: DigestCredentials): string {
  const parts = [
    `username=${quote(c.username)}`,
    `realm=${quote(c.realm)}`,
    `nonce=${quote(c.nonce)}`,
    `uri=${quote(c.uri)}`,
    `response=${quote(c.response)}`,
  ];
  if (c.algorithm !== undefined) {
    parts.push(`algorithm=${c.algorithm}`);
  }
  if (c.cnonce !== undefined) {
    parts.push(`cnonce=${quote(c.cnonce)}`);
  }
  if (c.opaque !== undefined) {
    parts.push(`opaque=${quote(c.opaque)}`);
  }
  if (c.qop !== undefined) {
    parts.push(`qop=${c.qop}`);
  }
  if (c.nc !== undefined) {
    parts.push(`nc=${c.nc}`);
  }
  return `Digest ${parts.join(', ')}`;
}
