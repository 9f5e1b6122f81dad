// UDP media socket: every datagram is one RTP packet, handed on with its source address and
// port. The source need not match the device's SDP (docs/gb28181.md §10.1); the pipeline's
// source lock (source-lock.ts) keeps to the first source that delivers accepted packets.
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

/** Room for ~1 s of a 16 Mbit/s burst; Linux caps it at net.core.rmem_max silently. */
const RECV_BUFFER_BYTES = 2 * 1024 * 1024;

export type PacketHandler = (bytes: Uint8Array, address: string, port: number) => void;

export class UdpReceiver {
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly localPort: number,
  ) {}

  /** Binds host:port; rejects with the bind error (EADDRINUSE lets PortPool try the next port). */
  static bind(host: string, port: number, onPacket: PacketHandler): Promise<UdpReceiver> {
    const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: RECV_BUFFER_BYTES });
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.bind(port, host, () => {
        socket.off('error', onError);
        // After bind, socket errors (ICMP unreachable echoes, etc.) are not fatal for a receiver.
        socket.on('error', () => {});
        socket.on('message', (msg, rinfo) => onPacket(msg, rinfo.address, rinfo.port));
        resolve(new UdpReceiver(socket, socket.address().port));
      });
    });
  }

  /** Idempotent. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.socket.close();
  }
}
