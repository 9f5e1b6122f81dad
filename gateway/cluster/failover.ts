// Media node failover: when the node table declares a node lost, every stream it served is
// invited again on another node under the same stream ID (so WHEP/HLS URLs handed out keep
// working through the redirect). The old dialog is BYE'd first: the device would otherwise keep
// sending to a dead port. Streams come from this process's plays, plus the directory for
// entries this process does not hold (written by an earlier signaling process).
import type { Logger } from '../log.js';
import type { PlayIdentity } from '../gb28181/upper/upper-platform.js';
import type { StreamView } from '../views/services.js';
import type { DirectoryEntry } from './protocol.js';

export interface FailoverDeps {
  streamsOn(nodeId: string): string[];
  directoryOn(nodeId: string): Promise<DirectoryEntry[]>;
  playIdentity(streamId: string): PlayIdentity | undefined;
  /** Ends every ingest on the node (plays BYE their devices). */
  dropNode(nodeId: string, cause: string): void;
  replay(id: PlayIdentity, cause: string): Promise<StreamView>;
  log: Logger;
  /** Tries per stream while no node can take it. Default 3, 1 s apart. */
  attempts?: number;
  retryDelayMs?: number;
}

export interface FailoverResult {
  nodeId: string;
  moved: string[];
  failed: { streamId: string; error: string }[];
  elapsedMs: number;
}

export async function failOver(deps: FailoverDeps, nodeId: string): Promise<FailoverResult> {
  const startedAt = Date.now();
  const cause = `media node ${nodeId} lost`;
  const ids = new Map<string, PlayIdentity>();
  for (const streamId of deps.streamsOn(nodeId)) {
    const id = deps.playIdentity(streamId);
    if (id) {
      ids.set(streamId, id);
    }
  }
  let entries: DirectoryEntry[] = [];
  try {
    entries = await deps.directoryOn(nodeId);
  } catch (err) {
    deps.log.warn({ err, nodeId }, 'stream directory unreadable during failover');
  }
  for (const e of entries) {
    if (!ids.has(e.streamId)) {
      ids.set(e.streamId, {
        streamId: e.streamId,
        deviceId: e.deviceId,
        channelId: e.channelId,
        kind: e.kind,
        ...(e.range ? { range: e.range } : {}),
      });
    }
  }
  deps.dropNode(nodeId, cause);
  const moved: string[] = [];
  const failed: FailoverResult['failed'] = [];
  await Promise.all(
    [...ids.values()].map(async (id) => {
      const attempts = deps.attempts ?? 3;
      for (let i = 1; ; i++) {
        try {
          await deps.replay(id, cause);
          moved.push(id.streamId);
          return;
        } catch (err) {
          if (i >= attempts) {
            failed.push({ streamId: id.streamId, error: (err as Error).message });
            return;
          }
          await new Promise((r) => setTimeout(r, deps.retryDelayMs ?? 1000));
        }
      }
    }),
  );
  const result = { nodeId, moved, failed, elapsedMs: Date.now() - startedAt };
  deps.log.warn(result, 'media node failover done');
  return result;
}
