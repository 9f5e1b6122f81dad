// The one place where ingest meets the hub: an IngestSession whose access units go into a
// stream. The local media node (single process) and a cluster media node both open their
// ingests here, so a reader following a packet goes socket → ingest/ → this file → hub/. The
// play hears both sides through one callback: the ingest's transport steps and the hub's
// media facts (codec, first keyframe, codec changes), which only the hub decides.
import type { StreamInput } from '../hub/stream-types.js';
import { IngestSession, type MediaTransport } from '../ingest/ingest-session.js';
import type { PortPool } from '../ingest/port-pool.js';
import type { PlayMediaEvent } from './media-node-client.js';

export interface IngestIntoHubOptions {
  stream: StreamInput;
  transport: MediaTransport;
  bindHost: string;
  portPool: PortPool;
  /** The offer's y= as a 32-bit integer. */
  expectedSsrc: number | undefined;
  /** Addresses signaling named for the device (source-lock.ts). */
  deviceAddresses: readonly string[];
  onEvent(e: PlayMediaEvent): void;
  /** The ingest ended (connect failed, closed by its owner); called once. */
  onClose(cause: string): void;
}

/**
 * Binds the receive port and returns the session. Silence is judged by the hub alone (its
 * no-media timer closes the stream with a recorded cause), so the ingest keeps none of its own.
 */
export async function openIngestIntoHub(o: IngestIntoHubOptions): Promise<IngestSession> {
  const stopListening = o.stream.onMedia((e) => o.onEvent(e));
  try {
    return await IngestSession.open({
      transport: o.transport,
      bindHost: o.bindHost,
      portPool: o.portPool,
      expectedSsrc: o.expectedSsrc,
      deviceAddresses: o.deviceAddresses,
      ssrcMode: 'learn-first',
      onAccessUnit: (au) => o.stream.publish(au),
      onEvent: (e) => o.onEvent(e),
      onClose: (cause) => {
        stopListening();
        o.onClose(cause);
      },
    });
  } catch (err) {
    stopListening();
    throw err;
  }
}
