// The catalog changes between what an upper platform was last told and what it should see now,
// as subscription events (GB/T 28181-2016 §A.2.6; docs/gb28181.md §3.5): a new ID is ADD, a vanished
// one DEL, a status flip alone ON/OFF, any other field change UPDATE (which carries the status
// too). Pure.
import type { LowerChannel } from '../lower/backend.js';
import type { CatalogChange } from '../lower/catalog-notifier.js';

/** Fields whose change is an UPDATE; `online` alone is ON/OFF. */
const DESCRIPTIVE: readonly (keyof LowerChannel)[] = [
  'name',
  'manufacturer',
  'model',
  'owner',
  'civilCode',
  'address',
  'parentId',
  'ptzType',
  'longitude',
  'latitude',
  'parental',
  'businessGroupId',
];

export function diffCatalog(
  before: readonly LowerChannel[],
  after: readonly LowerChannel[],
): CatalogChange[] {
  const old = new Map(before.map((c) => [c.channelId, c]));
  const changes: CatalogChange[] = [];
  for (const channel of after) {
    const prev = old.get(channel.channelId);
    old.delete(channel.channelId);
    if (!prev) {
      changes.push({ event: 'ADD', channel });
    } else if (DESCRIPTIVE.some((k) => prev[k] !== channel[k])) {
      changes.push({ event: 'UPDATE', channel });
    } else if (prev.online !== channel.online) {
      changes.push({ event: channel.online ? 'ON' : 'OFF', channel });
    }
  }
  for (const gone of old.values()) {
    changes.push({ event: 'DEL', channel: gone });
  }
  return changes;
}
