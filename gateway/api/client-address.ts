// Who sent an HTTP request, for per-client budgets and caps. The socket's peer, unless the peer is
// a configured reverse proxy (--trusted-proxies): then X-Forwarded-For names the client. The header
// is a list each proxy appends its peer to (client, proxy1, proxy2, ...), so it is read from the
// right, skipping our own proxies, and the first address not one of them is the client; anything
// further left was written by the client itself and proves nothing. Without trusted proxies the
// header is ignored: a client could put any address there to get a fresh budget per request.
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { unmapIpv4, type AddressList } from '../address-match.js';

export type ClientAddressOf = (req: IncomingMessage) => string;

export function clientAddressResolver(trusted: AddressList): ClientAddressOf {
  const memo = new WeakMap<IncomingMessage, string>();
  return (req) => {
    let address = memo.get(req);
    if (address === undefined) {
      address = resolve(req, trusted);
      memo.set(req, address);
    }
    return address;
  };
}

function resolve(req: IncomingMessage, trusted: AddressList): string {
  const peer = unmapIpv4(req.socket.remoteAddress ?? 'unknown');
  if (!trusted.has(peer)) {
    return peer;
  }
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? ''))
    .split(',')
    .map((h) => unmapIpv4(h.trim()))
    .filter((h) => isIP(h) !== 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trusted.has(hops[i])) {
      return hops[i];
    }
  }
  // Every hop is one of ours (or the header is absent or garbage): the proxy is the client.
  return hops[0] ?? peer;
}
