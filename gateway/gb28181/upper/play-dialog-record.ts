// A play's INVITE dialog as the store keeps it (store/dialog-store.ts) and back: what a restarted
// gateway needs to end a dialog its previous run left (issue #20 point 4).
import { dialogId, splitHeaderList, type Dialog, type SipResponse } from '../../sip/index.js';
import type { MediaTransportName } from '../../store/device-store.js';
import type { PlayDialogRecord } from '../../store/dialog-store.js';

export interface PlayFacts {
  streamId: string;
  deviceId: string;
  channelId: string;
  kind: PlayDialogRecord['kind'];
  mediaTransport: MediaTransportName;
  mediaPort: number;
  ssrc: string;
}

/** RFC 3261 §12.1.2: the caller's route set is the 2xx's Record-Route, in reverse order. */
export function routeSetOf(answer: SipResponse): string[] {
  return answer.headers
    .values('record-route')
    .flatMap((v) => splitHeaderList(v))
    .reverse();
}

export function dialogRecord(dialog: Dialog, routeSet: string[], play: PlayFacts): PlayDialogRecord {
  return {
    callId: dialog.callId,
    ...play,
    localTag: dialog.localTag,
    remoteTag: dialog.remoteTag,
    localUri: dialog.localUri,
    remoteUri: dialog.remoteUri,
    remoteTarget: dialog.remoteTarget,
    localCSeq: dialog.localCSeq,
    routeSet,
    remote: { transport: dialog.remote.transport, address: dialog.remote.address, port: dialog.remote.port },
    createdAt: new Date().toISOString(),
  };
}

/** The dialog again, to send its BYE; `remote` is where the device is now. */
export function dialogOfRecord(r: PlayDialogRecord, remote: Dialog['remote']): Dialog {
  return {
    id: dialogId(r.callId, r.localTag, r.remoteTag),
    role: 'uac',
    callId: r.callId,
    localTag: r.localTag,
    remoteTag: r.remoteTag,
    localUri: r.localUri,
    remoteUri: r.remoteUri,
    remoteTarget: r.remoteTarget,
    localCSeq: r.localCSeq,
    remoteCSeq: undefined,
    remote,
  };
}
