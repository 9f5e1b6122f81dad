// SipRemote: the far end of a message as the transport saw it (RFC 3261 §18). Requests to a peer
// go to the address it was seen at (docs/gb28181.md §1.5); over TCP the connection id picks the socket.

export type SipTransportKind = 'udp' | 'tcp';

export interface SipRemote {
  transport: SipTransportKind;
  address: string;
  port: number;
  /**
   * Over TCP: the connection the message arrived on, or should leave on. When that connection has
   * closed, the transport falls back to another connection to the same address:port, then dials.
   */
  connectionId?: string;
}

/** "udp:203.0.113.7:40211" / "tcp:203.0.113.7:40211#c4", for log lines and table keys. */
export function formatRemote(r: SipRemote): string {
  const host = r.address.includes(':') ? `[${r.address}]` : r.address;
  return `${r.transport}:${host}:${r.port}${r.connectionId ? `#${r.connectionId}` : ''}`;
}

/** True when both describe the same transport, address and port (the connection id is ignored). */
export function sameRemote(a: SipRemote, b: SipRemote): boolean {
  return a.transport === b.transport && a.address === b.address && a.port === b.port;
}
