// WebRTC viewer slots (issue #20 point 6). Every WHEP offer that is accepted costs a peer
// connection, a UDP port and a DTLS handshake until it connects or times out, so slots are taken
// synchronously, before anything is awaited (concurrent offers cannot all pass one check), and
// bounded four ways: in the process, per stream, and, for viewers whose ICE/DTLS has not finished,
// per stream and per client address. 100 offers that never finish ICE, sent with one stream's URL,
// so fill that stream's few pending slots and get 503 while every other stream keeps serving;
// each slot they held comes back at the connect timeout.
import type { ViewerLimits, ViewerRefusal } from '../../limits.js';

export interface ViewerSlot {
  readonly streamId: string;
  readonly client: string;
  /** ICE and DTLS finished: the slot stops counting as pending. Idempotent. */
  connected(): void;
  /** The viewer left or never connected. Idempotent. */
  release(): void;
}

interface Slot {
  streamId: string;
  client: string;
  pending: boolean;
}

export class ViewerSlots {
  readonly limits: ViewerLimits;
  readonly #slots = new Set<Slot>();
  readonly #refused: Record<ViewerRefusal, number> = {
    total: 0,
    'per-stream': 0,
    'pending-per-stream': 0,
    'pending-per-client': 0,
    ports: 0,
  };

  constructor(limits: ViewerLimits) {
    this.limits = limits;
  }

  get viewers(): number {
    return this.#slots.size;
  }

  get pending(): number {
    let n = 0;
    for (const s of this.#slots) {
      if (s.pending) {
        n++;
      }
    }
    return n;
  }

  get refused(): Readonly<Record<ViewerRefusal, number>> {
    return { ...this.#refused };
  }

  /** Counts a refusal decided elsewhere (no UDP port left). */
  refuse(reason: ViewerRefusal): void {
    this.#refused[reason]++;
  }

  /** A slot for a new viewer of `streamId` from `client`, or why there is none. */
  take(streamId: string, client: string): { slot: ViewerSlot } | { refused: ViewerRefusal } {
    const refused = this.#check(streamId, client);
    if (refused) {
      this.#refused[refused]++;
      return { refused };
    }
    const slot: Slot = { streamId, client, pending: true };
    this.#slots.add(slot);
    return {
      slot: {
        streamId,
        client,
        connected: () => {
          slot.pending = false;
        },
        release: () => {
          this.#slots.delete(slot);
        },
      },
    };
  }

  #check(streamId: string, client: string): ViewerRefusal | undefined {
    const l = this.limits;
    if (this.#slots.size >= l.maxViewers) {
      return 'total';
    }
    let ofStream = 0;
    let pendingOfStream = 0;
    let pendingOfClient = 0;
    for (const s of this.#slots) {
      if (s.streamId === streamId) {
        ofStream++;
        pendingOfStream += s.pending ? 1 : 0;
      }
      if (s.pending && s.client === client) {
        pendingOfClient++;
      }
    }
    if (ofStream >= l.maxViewersPerStream) {
      return 'per-stream';
    }
    if (pendingOfStream >= l.maxPendingPerStream) {
      return 'pending-per-stream';
    }
    if (pendingOfClient >= l.maxPendingPerClient) {
      return 'pending-per-client';
    }
    return undefined;
  }
}

/** What a refused viewer is told, with the limit's flag so an operator knows what to raise. */
export function refusalMessage(reason: ViewerRefusal, l: ViewerLimits): string {
  switch (reason) {
    case 'total':
      return `this gateway has all its ${l.maxViewers} WebRTC viewer slots in use (--webrtc-max-viewers); use HLS or retry later`;
    case 'per-stream':
      return `this stream has all its ${l.maxViewersPerStream} WebRTC viewer slots in use (--webrtc-max-viewers-per-stream); use HLS or retry later`;
    case 'pending-per-stream':
      return `${l.maxPendingPerStream} WebRTC viewers of this stream are still connecting (--webrtc-max-pending-per-stream); retry in a few seconds`;
    case 'pending-per-client':
      return `${l.maxPendingPerClient} WebRTC viewers from your address are still connecting (--webrtc-max-pending-per-client); retry in a few seconds`;
    case 'ports':
      return 'every UDP port of the WebRTC port range is in use (--webrtc-ports); use HLS or retry later';
  }
}
