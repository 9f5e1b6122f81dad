// The single-process media node (--role all): a play's ingest is bound on this machine and
// publishes straight into the play's hub.
import type { PortPool } from '../ingest/port-pool.js';
import { openIngestIntoHub } from './ingest-into-hub.js';
import type { IngestRequest, MediaIngest, MediaNodeClient } from './media-node-client.js';

/** Today's in-process media plane: the ingest publishes straight into the play's hub. */
export class LocalMediaNode implements MediaNodeClient {
  constructor(private readonly o: { portPool: PortPool; bindHost: string; publicIp: string }) {}

  async open(req: IngestRequest): Promise<MediaIngest> {
    const ingest = await openIngestIntoHub({
      stream: req.stream,
      transport: req.transport,
      bindHost: this.o.bindHost,
      portPool: this.o.portPool,
      expectedSsrc: req.expectedSsrc,
      deviceAddresses: req.deviceAddresses,
      onEvent: (e) => req.onEvent(e),
      onClose: (cause) => req.onClose(cause),
    });
    const address = this.o.publicIp;
    return {
      address,
      get localPort() {
        return ingest.localPort;
      },
      get stats() {
        return ingest.stats;
      },
      setExpectedSsrc: (ssrc) => ingest.setExpectedSsrc(ssrc),
      trustDeviceAddress: (address) => ingest.trustDeviceAddress(address),
      connect: (host, port) => ingest.connect(host, port),
      close: (cause) => ingest.close(cause),
    };
  }
}
