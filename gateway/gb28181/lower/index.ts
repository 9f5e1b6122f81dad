// The GB/T 28181 lower-platform role: what the simulator runs per simulated NVR and what the
// gateway's cascade role will run toward someone else's upper platform. Typical use:
//
//   const transport = await SipTransport.listen({ host, port });
//   const ua = new SipUserAgent({ transport, localId, domain: realm, publicHost });  // no userAgent
//   const router = new LowerSipRouter(ua);              // one UA can carry many identities
//   const platform = new LowerPlatform({ ua, localId, realm, upper, password, backend });
//   router.add(platform);
//   platform.on('state', (state, detail) => …);
//   await platform.start();                             // registers, keeps alive, serves
//   …
//   await platform.close();                             // BYE all, unregister (Expires: 0)
export type {
  LowerBackend,
  LowerChannel,
  LowerDeviceInfo,
  LowerDeviceStatus,
  LowerPreset,
  LowerRecord,
  LowerRecordType,
  MediaRefusal,
  MediaRequest,
  MediaSource,
  MediaSourceInfo,
} from './backend.js';
export { isMediaRefusal } from './backend.js';
export type { BackoffOptions } from './backoff.js';
export type { CatalogChange } from './catalog-notifier.js';
export {
  LowerPlatform,
  type LowerPlatformEvents,
  type LowerPlatformOptions,
  type LowerPlatformState,
} from './lower-platform.js';
export type { MediaSessionInfo, SessionEndReason } from './media-session.js';
export type { PagingFaults } from './paged-sender.js';
export { LowerSipRouter, type RoutedIdentity } from './sip-router.js';
export type { UpperPlatformAddress } from './upper-link.js';
export {
  isVendorName,
  vendorProfile,
  vendorProfiles,
  type AnswerSsrcMode,
  type VendorName,
  type VendorProfile,
} from './vendor-profile.js';
