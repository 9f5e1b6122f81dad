// What one upper platform sees of us: the sharing relations (cascade-store.ts) resolved against
// our current devices and channels into the catalog we answer with (docs/gb28181.md §3), plus the map
// from each presented ID back to the device and channel that serve it. Directory nodes come
// first, so an upper building its tree from ParentID meets parents before children. Pure.
import type { LowerChannel } from '../lower/backend.js';
import type { ShareEntry } from '../../store/cascade-store.js';
import type { ChannelRecord } from '../../store/device-store.js';

/** Our own channels, as the device store and the registrar know them. */
export interface LocalChannels {
  /** Every channel of a device; empty when unknown. */
  channelsOf(deviceId: string): readonly ChannelRecord[];
  channel(deviceId: string, channelId: string): ChannelRecord | undefined;
  /** Registered and keeping alive right now. */
  deviceOnline(deviceId: string): boolean;
}

export interface SharedSource {
  deviceId: string;
  channelId: string;
}

export interface SharedCatalog {
  /** Directory nodes, then channels, in share order; every ID once. */
  channels: LowerChannel[];
  /** Presented channel ID → our device and channel. Directory nodes are not in it. */
  sources: Map<string, SharedSource>;
}

export function resolveSharedCatalog(
  shares: readonly ShareEntry[],
  localId: string,
  local: LocalChannels,
): SharedCatalog {
  const channels: LowerChannel[] = [];
  const sources = new Map<string, SharedSource>();
  const nodes = new Map<string, ShareEntry>();
  for (const s of shares) {
    if (s.type === 'group' || s.type === 'organisation') {
      nodes.set(s.id, s);
    }
  }
  const seen = new Set<string>();
  const groupOf = (parentId: string | undefined) => businessGroupOf(parentId, nodes);

  // Parents before children: groups, then organisations by how deep they sit (stable otherwise).
  const depth = (id: string): number => {
    let d = 0;
    for (let n = nodes.get(id); n?.type === 'organisation' && d <= nodes.size; n = nodes.get(n.parentId)) {
      d++;
    }
    return d;
  };
  const directory = shares
    .filter((s) => s.type === 'group' || s.type === 'organisation')
    .map((s, i) => ({ s, i, d: depth(s.id) }))
    .sort((x, y) => x.d - y.d || x.i - y.i)
    .map((x) => x.s);
  for (const s of directory) {
    if (!seen.has(s.id)) {
      seen.add(s.id);
      const businessGroupId = s.type === 'organisation' ? groupOf(s.parentId) : undefined;
      channels.push({
        channelId: s.id,
        name: s.name,
        // A business group hangs below the platform; an organisation below its parent node.
        parentId: s.type === 'organisation' ? s.parentId : localId,
        parental: true,
        online: true,
        ...(businessGroupId ? { businessGroupId } : {}),
      });
    }
  }
  const add = (record: ChannelRecord, presentedId: string, parentId: string | undefined, name?: string) => {
    if (seen.has(presentedId)) {
      return;
    }
    seen.add(presentedId);
    const businessGroupId = groupOf(parentId);
    channels.push({
      ...describe(record, local.deviceOnline(record.deviceId)),
      channelId: presentedId,
      name: name ?? record.name ?? presentedId,
      parentId: parentId ?? localId,
      ...(businessGroupId ? { businessGroupId } : {}),
    });
    sources.set(presentedId, { deviceId: record.deviceId, channelId: record.channelId });
  };
  for (const s of shares) {
    if (s.type === 'device') {
      // Cameras only: a device's own directory nodes (parental items) mean nothing upward.
      for (const record of local.channelsOf(s.deviceId)) {
        if (!record.parental) {
          add(record, record.channelId, s.parentId);
        }
      }
    } else if (s.type === 'channel') {
      const record = local.channel(s.deviceId, s.channelId);
      if (record) {
        add(record, s.asId ?? s.channelId, s.parentId, s.name);
      }
    }
  }
  return { channels, sources };
}

/** The fields a channel record carries upward; IDs, parent and name are set by the caller. */
function describe(r: ChannelRecord, deviceOnline: boolean): Omit<LowerChannel, 'channelId' | 'name'> {
  const out: Omit<LowerChannel, 'channelId' | 'name'> = { online: deviceOnline && r.status === 'ON' };
  if (r.manufacturer) {
    out.manufacturer = r.manufacturer;
  }
  if (r.model) {
    out.model = r.model;
  }
  if (r.civilCode) {
    out.civilCode = r.civilCode;
  }
  if (r.address) {
    out.address = r.address;
  }
  const ptzType = Number(r.ptzType);
  if (r.ptzType && Number.isInteger(ptzType)) {
    out.ptzType = ptzType;
  }
  const longitude = Number(r.longitude);
  const latitude = Number(r.latitude);
  if (r.longitude && r.latitude && Number.isFinite(longitude) && Number.isFinite(latitude)) {
    out.longitude = longitude;
    out.latitude = latitude;
  }
  return out;
}

/** The business group a node belongs to: itself, or the group above its organisations. */
function businessGroupOf(
  nodeId: string | undefined,
  nodes: ReadonlyMap<string, ShareEntry>,
): string | undefined {
  const visited = new Set<string>();
  let id = nodeId;
  while (id !== undefined && !visited.has(id)) {
    visited.add(id);
    const node = nodes.get(id);
    if (node?.type === 'group') {
      return node.id;
    }
    id = node?.type === 'organisation' ? node.parentId : undefined;
  }
  return undefined;
}
