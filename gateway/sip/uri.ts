// SIP and SIPS URIs (RFC 3261 §19.1): sip:user:password@host:port;uri-parameters?headers.
// GB28181 writes the 20-digit ID as the user part and a domain or IP:port as the host.
import { SipParams } from './params.js';

export interface SipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  password?: string;
  /** Host name, IPv4 address, or IPv6 reference in brackets ("[::1]"), as written. */
  host: string;
  port?: number;
  params: SipParams;
  /** The raw "?…" part without the '?', when present (§19.1.1 headers). */
  headers?: string;
}

const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)$/;

/** Parse "host[:port]" (a Via sent-by or URI hostport); undefined when invalid. */
export function parseHostPort(text: string): { host: string; port?: number } | undefined {
  const t = text.trim();
  let host: string;
  let portText: string | undefined;
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close < 0) {
      return undefined;
    }
    host = t.slice(0, close + 1);
    const rest = t.slice(close + 1);
    if (rest) {
      if (!rest.startsWith(':')) {
        return undefined;
      }
      portText = rest.slice(1);
    }
  } else {
    const colon = t.indexOf(':');
    host = colon < 0 ? t : t.slice(0, colon);
    if (colon >= 0) {
      portText = t.slice(colon + 1);
    }
  }
  if (!HOST.test(host)) {
    return undefined;
  }
  if (portText === undefined) {
    return { host };
  }
  const port = parsePort(portText);
  return port === undefined ? undefined : { host, port };
}

export function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) {
    return undefined;
  }
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : undefined;
}

export function formatHostPort(host: string, port?: number): string {
  const h = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return port === undefined ? h : `${h}:${port}`;
}

/** Parse a SIP URI; undefined for other schemes (tel:) or malformed text. Never throws. */
export function parseSipUri(text: string): SipUri | undefined {
  const t = text.trim();
  const colon = t.indexOf(':');
  if (colon < 0) {
    return undefined;
  }
  const scheme = t.slice(0, colon).toLowerCase();
  if (scheme !== 'sip' && scheme !== 'sips') {
    return undefined;
  }
  let rest = t.slice(colon + 1);

  let headers: string | undefined;
  const q = rest.indexOf('?');
  if (q >= 0) {
    headers = rest.slice(q + 1);
    rest = rest.slice(0, q);
  }

  let user: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const pc = userinfo.indexOf(':');
    user = pc < 0 ? userinfo : userinfo.slice(0, pc);
    if (pc >= 0) {
      password = userinfo.slice(pc + 1);
    }
    if (!user) {
      return undefined;
    }
  }

  const semi = rest.indexOf(';');
  const hostport = parseHostPort(semi < 0 ? rest : rest.slice(0, semi));
  if (!hostport) {
    return undefined;
  }
  const params = semi < 0 ? new SipParams() : SipParams.parse(rest.slice(semi + 1));

  const uri: SipUri = { scheme, host: hostport.host, params };
  if (user !== undefined) {
    uri.user = user;
  }
  if (password !== undefined) {
    uri.password = password;
  }
  if (hostport.port !== undefined) {
    uri.port = hostport.port;
  }
  if (headers !== undefined) {
    uri.headers = headers;
  }
  return uri;
}

export function formatSipUri(uri: SipUri): string {
  let userinfo = '';
  if (uri.user !== undefined) {
    userinfo = uri.password !== undefined ? `${uri.user}:${uri.password}@` : `${uri.user}@`;
  }
  const headers = uri.headers !== undefined ? `?${uri.headers}` : '';
  return `${uri.scheme}:${userinfo}${formatHostPort(uri.host, uri.port)}${uri.params.toString()}${headers}`;
}
