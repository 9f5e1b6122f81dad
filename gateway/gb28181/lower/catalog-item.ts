// A LowerChannel as a catalog item (2016 §A.2.6 itemType; docs/gb28181.md §3.3), shared by the Catalog
// answer and the catalog change notifications so both describe a channel the same way. Pure.
import type { CatalogItem } from '../manscdp/catalog.js';
import type { LowerChannel } from './backend.js';
import type { VendorProfile } from './vendor-profile.js';

/** What fills the fields a channel leaves empty: the platform's ID and its vendor profile. */
export interface CatalogItemDefaults {
  localId: string;
  profile: Pick<VendorProfile, 'manufacturer' | 'model'>;
}

export function catalogItemOf(c: LowerChannel, d: CatalogItemDefaults): CatalogItem {
  const item: CatalogItem = {
    deviceId: c.channelId,
    name: c.name,
    manufacturer: c.manufacturer ?? d.profile.manufacturer,
    model: c.model ?? d.profile.model,
    owner: c.owner ?? 'Owner',
    civilCode: c.civilCode ?? d.localId.slice(0, 6),
    address: c.address ?? 'Address',
    parental: c.parental ? 1 : 0,
    parentId: c.parentId ?? d.localId,
    safetyWay: 0,
    registerWay: 1,
    secrecy: 0,
    status: c.online ? 'ON' : 'OFF',
  };
  if (c.longitude !== undefined) {
    item.longitude = c.longitude.toFixed(6);
  }
  if (c.latitude !== undefined) {
    item.latitude = c.latitude.toFixed(6);
  }
  if (c.businessGroupId !== undefined) {
    item.businessGroupId = c.businessGroupId;
  }
  if (c.ptzType !== undefined) {
    item.info = { ptzType: c.ptzType };
  }
  return item;
}
