// How far a viewer's UDP socket is backed up, read from werift internals (0.24.4): the ICE
// connection's nominated pair → StunProtocol → UdpTransport → dgram.Socket. Node queues a
// datagram there only when the kernel send buffer is full (EAGAIN), so a non-zero queue
// means this viewer's path cannot keep up. Every hop is checked; a werift upgrade that
// moves them makes this return undefined (no congestion signal), never throw.
import type { Socket } from 'node:dgram';
import type { RTCPeerConnection } from 'werift';

const field = (o: unknown, key: string): unknown =>
  o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[key] : undefined;

export function viewerSocket(pc: RTCPeerConnection): Socket | undefined {
  const connection = field(pc.iceTransports[0], 'connection');
  const socket = field(field(field(field(connection, 'nominated'), 'protocol'), 'transport'), 'socket');
  return socket !== undefined && typeof (socket as Socket).getSendQueueSize === 'function'
    ? (socket as Socket)
    : undefined;
}

/**
 * A probe of the viewer's send queue for the per-access-unit congestion check: the socket is
 * looked up once (five property hops into werift) and then only asked for its queue size.
 */
export function sendQueueProbe(pc: RTCPeerConnection): () => number | undefined {
  let socket: Socket | undefined;
  return () => {
    socket ??= viewerSocket(pc);
    try {
      return socket?.getSendQueueSize();
    } catch {
      socket = undefined; // closed: look again next time (werift may have moved to another pair)
      return undefined;
    }
  };
}
