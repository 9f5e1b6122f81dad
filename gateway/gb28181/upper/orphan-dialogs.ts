// Dialogs a crash orphaned (issue #20 point 4). After a kill -9 the devices keep streaming into
// ports the new process does not read, for as long as they take to notice (many never do), so the
// restarted gateway ends every dialog its previous run left in the store: a BYE built from the
// stored dialog (RFC 3261 §12.2.1.1), sent where the device is registered now.
//
// Why end them rather than resume them: the hub of each stream (its GOP cache, HLS segments,
// viewers) died with the process, so a resumed dialog would feed a new hub anyway, exactly as a
// new INVITE does, which takes about a second; TCP media cannot be resumed at all (the connection
// died with us); and a device streaming into a port the new process may hand to another stream
// would show one camera's picture on another's tile if its SSRC were learnt. So: BYE, keep the
// orphan's port away from new streams for a while, and let viewers (the page retries on its own)
// start fresh plays, which wait for the BYE of their own channel's orphan first, so a device
// that takes one stream per channel is not asked for a second.
import { createInDialogRequest, formatRemote, type SipRemote, type SipUserAgent } from '../../sip/index.js';
import type { Logger } from '../../log.js';
import type { PlayDialogRecord, PlayDialogStore } from '../../store/dialog-store.js';
import type { DeviceSessions } from './device-sessions.js';
import { dialogOfRecord } from './play-dialog-record.js';

/** A dialog older than this whose device never came back is given up. */
const GIVE_UP_AFTER_MS = 24 * 3600_000;

export interface OrphanDialogsOptions {
  ua: SipUserAgent;
  store: PlayDialogStore;
  sessions: DeviceSessions;
  log: Logger;
  /** Keeps an orphan's media port from new streams (its device may still send there for a while). */
  quarantinePort?: (port: number) => void;
  /** How long a BYE may go unanswered before the channel's new play goes ahead. Default 4000 ms. */
  byeTimeoutMs?: number;
}

interface Orphan {
  record: PlayDialogRecord;
  /** The first BYE attempt has settled (answered, failed or timed out). */
  attempted: Promise<void>;
}

export class OrphanDialogs {
  readonly #o: OrphanDialogsOptions;
  readonly #orphans = new Map<string, Orphan>();

  constructor(opts: OrphanDialogsOptions) {
    this.#o = opts;
    // A device that did not answer (offline, or over a TCP connection that died with us) gets its
    // BYE again when it is back.
    opts.sessions.events.on('online', (deviceId) => {
      for (const o of this.#orphans.values()) {
        if (o.record.deviceId === deviceId) {
          o.attempted = this.#attempt(o.record);
        }
      }
    });
  }

  /** How many dialogs are still waiting for their BYE to be answered. */
  get size(): number {
    return this.#orphans.size;
  }

  /** At start: every dialog in the store was left by the previous run. Returns how many. */
  endAll(): number {
    const now = Date.now();
    let n = 0;
    for (const record of this.#o.store.list()) {
      if (now - Date.parse(record.createdAt) > GIVE_UP_AFTER_MS) {
        this.#o.store.delete(record.callId);
        continue;
      }
      this.#o.quarantinePort?.(record.mediaPort);
      this.#orphans.set(record.callId, { record, attempted: this.#attempt(record) });
      n++;
    }
    if (n > 0) {
      this.#o.log.warn({ orphaned: n }, 'play dialogs orphaned by the restart: sending each a BYE');
    }
    return n;
  }

  /** Resolves once the orphan dialogs of this channel have had their BYE (or it timed out). */
  async settled(deviceId: string, channelId: string): Promise<void> {
    const waits = [...this.#orphans.values()]
      .filter((o) => o.record.deviceId === deviceId && o.record.channelId === channelId)
      .map((o) => o.attempted);
    await Promise.all(waits);
  }

  #attempt(record: PlayDialogRecord): Promise<void> {
    return this.#bye(record).catch((err: unknown) =>
      this.#o.log.warn({ err, callId: record.callId }, 'BYE for an orphaned play dialog could not be sent'),
    );
  }

  async #bye(record: PlayDialogRecord): Promise<void> {
    const session = this.#o.sessions.get(record.deviceId);
    // Where the device is registered now; over TCP, its current connection (the stored one died).
    const remote: SipRemote = session?.remote ?? record.remote;
    const dialog = dialogOfRecord(record, remote);
    const bye = createInDialogRequest(dialog, 'BYE', {
      headers: record.routeSet.map((r): [string, string] => ['Route', r]),
    });
    const res = await this.#o.ua.request(bye, remote, { timeoutMs: this.#o.byeTimeoutMs ?? 4000 });
    const where = { streamId: record.streamId, callId: record.callId, remote: formatRemote(remote) };
    // 408 and 503 are what the user agent reports for no answer and a transport failure.
    if (res.status === 408 || res.status === 503) {
      this.#o.log.info(
        { ...where, status: res.status },
        'BYE for an orphaned play dialog unanswered; again when the device is back',
      );
      return;
    }
    // 200: it was still streaming; 481: it had ended the dialog itself. Either way it is over.
    this.#forget(record);
    this.#o.log.info({ ...where, status: res.status }, 'orphaned play dialog ended');
  }

  #forget(record: PlayDialogRecord): void {
    this.#orphans.delete(record.callId);
    try {
      this.#o.store.delete(record.callId);
    } catch (err) {
      this.#o.log.warn({ err, callId: record.callId }, 'could not remove an ended play dialog');
    }
  }
}
