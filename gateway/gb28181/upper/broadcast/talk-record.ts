// One talk as the voice service keeps it (docs/voice.md §3): its media fan-out (TalkSession), its
// broadcast targets, its WHIP publisher when a browser speaks, and the rules that end it: the
// operator leaves (WHIP DELETE, ICE failure, silence), the last device leaves (BYE or failure),
// the clip has played, or the API stops it. Satisfies the WHIP router's WhipTalk.
import type { G711Law } from '../../../../codecs/g711/law-convert.js';
import type { AudioFrame } from '../../../talk/audio-frame.js';
import type { DeviceLeg } from '../../../talk/talk-media.js';
import { TalkSession } from '../../../talk/talk-session.js';
import type { WhipTalk } from '../../../talk/whip/whip-router.js';
import type { TalkMode, TalkSource, TalkView } from '../../../views/voice.js';
import type { BroadcastTarget } from './broadcast-target.js';

/** The part of a WHIP publisher a talk holds on to. */
interface Publisher {
  readonly id: string;
  close(reason: 'talk-ended'): void;
}

export interface TalkRecordOptions {
  talkId: string;
  mode: TalkMode;
  source: TalkSource;
  sourceId: string;
  /** A WHIP talk whose browser has not connected within this ends. */
  publisherWaitMs: number;
  onEnded(record: TalkRecord): void;
}

export class TalkRecord implements WhipTalk {
  readonly talkId: string;
  readonly mode: TalkMode;
  readonly source: TalkSource;
  readonly sourceId: string;
  readonly session: TalkSession;
  readonly createdAt = new Date();
  readonly targets: BroadcastTarget[] = [];
  law: G711Law = 'PCMA';
  listenStreamId: string | null = null;
  #state: TalkView['state'] = 'starting';
  #endedAt: Date | undefined;
  #reason: string | null = null;
  #publisher: Publisher | undefined;
  #publisherTimer: NodeJS.Timeout | undefined;
  readonly #waiters = new Set<() => void>();
  readonly #o: TalkRecordOptions;

  constructor(opts: TalkRecordOptions) {
    this.#o = opts;
    this.talkId = opts.talkId;
    this.mode = opts.mode;
    this.source = opts.source;
    this.sourceId = opts.sourceId;
    this.session = new TalkSession(opts.talkId);
    if (opts.source === 'whip') {
      this.#publisherTimer = setTimeout(
        () => this.end(`no WHIP publisher connected within ${opts.publisherWaitMs / 1000} s`),
        opts.publisherWaitMs,
      );
      this.#publisherTimer.unref();
    }
  }

  get ended(): boolean {
    return this.#state === 'ended' || this.#state === 'failed';
  }

  /** Resolves at the next change of a target or of the talk (a leg joined, a target ended, the end). */
  changed(): Promise<void> {
    return this.ended ? Promise.resolve() : new Promise((resolve) => this.#waiters.add(resolve));
  }

  /** Resolves when the talk has ended. */
  async whenEnded(): Promise<void> {
    while (!this.ended) {
      await this.changed();
    }
  }

  write(frame: AudioFrame): void {
    if (!this.ended) {
      this.session.write(frame);
    }
  }

  publisherAttached(publisher: Publisher): void {
    clearTimeout(this.#publisherTimer);
    const previous = this.#publisher;
    this.#publisher = publisher;
    // A page that reconnects replaces its old session; the old one's end is not the talk's.
    previous?.close('talk-ended');
    if (this.ended) {
      publisher.close('talk-ended');
    }
  }

  publisherEnded(publisher: Publisher, reason: string): void {
    if (publisher === this.#publisher) {
      this.#publisher = undefined;
      this.end(`the operator's WHIP session ended (${reason})`);
    }
  }

  /** A target's device INVITEd and was answered: its leg joins the fan-out. */
  streaming(target: BroadcastTarget, leg: DeviceLeg): void {
    if (this.ended) {
      target.stop('the talk has ended');
      return;
    }
    this.session.addLeg(leg);
    this.#state = 'active';
    // The source may speak either law; the one the first device wants costs no conversion.
    if (this.targets.filter((t) => t.leg).length === 1) {
      this.law = leg.law;
    }
    this.#changed();
  }

  /** A target ended or failed; the last one leaving ends the talk. */
  targetEnded(target: BroadcastTarget): void {
    if (target.leg) {
      this.session.removeLeg(target.leg.id);
    }
    if (this.targets.length > 0 && this.targets.every((t) => t.done)) {
      const failed = this.targets.every((t) => t.state === 'failed');
      this.end(failed ? 'no device took the broadcast' : 'every device left the talk');
    }
    this.#changed();
  }

  #changed(): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const resolve of waiters) {
      resolve();
    }
  }

  /** Ends the talk: BYE to every device, the publisher closed. Idempotent. */
  end(reason: string): void {
    if (this.ended) {
      return;
    }
    const everStreamed = this.targets.some((t) => t.view().form !== null);
    this.#state = everStreamed || this.#state === 'active' ? 'ended' : 'failed';
    this.#reason = reason;
    this.#endedAt = new Date();
    clearTimeout(this.#publisherTimer);
    for (const t of this.targets) {
      t.stop(reason);
    }
    this.#publisher?.close('talk-ended');
    this.#publisher = undefined;
    this.#o.onEnded(this);
    this.#changed();
  }

  view(): TalkView {
    return {
      talkId: this.talkId,
      mode: this.mode,
      source: this.source,
      sourceId: this.sourceId,
      state: this.#state,
      codec: this.law,
      createdAt: this.createdAt.toISOString(),
      endedAt: this.#endedAt?.toISOString() ?? null,
      publishing: this.#publisher !== undefined,
      inputDbfs: this.session.stats.inputDbfs,
      listenStreamId: this.listenStreamId,
      targets: this.targets.map((t) => t.view()),
      reason: this.#reason,
    };
  }
}
