// Ports for child processes the test starts (a gateway CLI, sipp): one free on both UDP and
// TCP, since SIP listens on both at the same number.
import dgram from 'node:dgram';
import net from 'node:net';

/** A port free on both UDP and TCP at `host` right now (bound, read, released). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve) => udp.bind(0, host, () => resolve(udp.address().port)));
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
    await new Promise<void>((r) => udp.close(() => r()));
    if (tcpFree) {
      return port;
    }
  }
}

/** Whether `port` at `host` is taken (bound, for UDP; listened on, for TCP): a child process is up. */
export async function portInUse(
  port: number,
  transport: 'udp' | 'tcp',
  host = '127.0.0.1',
): Promise<boolean> {
  if (transport === 'udp') {
    const udp = dgram.createSocket('udp4');
    const taken = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(true));
      udp.bind(port, host, () => resolve(false));
    });
    await new Promise<void>((r) => udp.close(() => r()));
    return taken;
  }
  return new Promise<boolean>((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(true));
    srv.listen(port, host, () => srv.close(() => resolve(false)));
  });
}
