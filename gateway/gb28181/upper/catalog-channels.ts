// Catalog items (docs/gb28181.md §3.3) as store channels, catalog notifications (§3.5) applied to the
// store, and a stored channel as the API shows it.
import type { ChannelView } from '../../views/services.js';
import type { ChannelInput, ChannelRecord, DeviceStore } from '../../store/device-store.js';
import type { CatalogItem } from '../manscdp/catalog.js';
import type { ManscdpMessage } from '../manscdp/codec.js';

export function toChannelInput(item: CatalogItem): ChannelInput {
  return {
    channelId: item.deviceId,
    name: item.name ?? null,
    manufacturer: item.manufacturer ?? null,
    model: item.model ?? null,
    parentId: item.parentId ?? null,
    civilCode: item.civilCode ?? null,
    businessGroupId: item.businessGroupId ?? item.info?.businessGroupId ?? null,
    address: item.address ?? null,
    status: item.status === 'OFF' ? 'OFF' : 'ON',
    longitude: item.longitude ?? null,
    latitude: item.latitude ?? null,
    ptzType: item.info?.ptzType === undefined ? null : String(item.info.ptzType),
    parental: item.parental === 1,
  };
}

export const channelView = (c: ChannelRecord): ChannelView => {
  const { deviceId: _d, updatedAt: _u, ...rest } = c;
  return rest;
};

/** A channel whose status a catalog notification changed (for the `channel` event, docs/events.md §1). */
export type ChannelChange = (channelId: string, status: 'ON' | 'OFF', event: string) => void;

export function applyCatalogEvents(
  store: DeviceStore,
  deviceId: string,
  m: Extract<ManscdpMessage, { kind: 'CatalogNotify' }>,
  onChange?: ChannelChange,
): void {
  for (const item of m.items) {
    const before = onChange && store.getChannel(deviceId, item.deviceId)?.status;
    switch (item.event) {
      case 'ON':
        store.setChannelStatus(deviceId, item.deviceId, 'ON');
        break;
      case 'OFF':
      case 'VLOST':
      case 'DEFECT':
        store.setChannelStatus(deviceId, item.deviceId, 'OFF');
        break;
      case 'ADD':
      case 'UPDATE':
        store.upsertChannels(deviceId, [toChannelInput(item)]);
        break;
      case 'DEL':
        store.deleteChannel(deviceId, item.deviceId);
        break;
    }
    if (onChange) {
      const after = item.event === 'DEL' ? 'OFF' : store.getChannel(deviceId, item.deviceId)?.status;
      if (after !== undefined && (after !== before || item.event === 'DEL' || item.event === 'ADD')) {
        onChange(item.deviceId, after, item.event);
      }
    }
  }
}
