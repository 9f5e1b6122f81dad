// The surface the /api/upper-platforms routes drive: the gateway's own upper platforms (cascade)
// and what is shared with each. The cascade manager (gateway/gb28181/cascade/) implements it.
// Passwords are accepted, never returned.
import type { UpperPlatformInput, UpperPlatformUpdate } from './upper-platform-config.js';
import type { CascadeCharset, CascadeTransport, ShareEntry } from '../store/cascade-store.js';

export interface UpperPlatformStatusView {
  /** idle, registering, registered, failed (retrying after a back-off), unregistering, closed, disabled. */
  state: string;
  online: boolean;
  lastError: string | null;
  registeredAt: string | null;
  lastKeepaliveAt: string | null;
  keepalive: { sent: number; answered: number; missed: number };
  streams: number;
  catalogSubscriptions: number;
  notifications: { sent: number; failed: number };
}

export interface UpperPlatformView {
  id: string;
  name: string | null;
  realm: string;
  host: string;
  port: number;
  transport: CascadeTransport;
  /** The ID we present to this upper. */
  localId: string;
  keepaliveIntervalSec: number;
  keepaliveMaxMisses: number;
  expiresSec: number;
  registerTimeoutSec: number;
  charset: CascadeCharset;
  enabled: boolean;
  /** Sharing relations (entries), and the channels they resolve to now. */
  shareCount: number;
  channelCount: number;
  status: UpperPlatformStatusView;
}

/** One item of the catalog the upper sees, with the device and channel that serve it. */
export interface SharedItemView {
  channelId: string;
  name: string;
  parentId: string | null;
  businessGroupId: string | null;
  directory: boolean;
  online: boolean;
  source: { deviceId: string; channelId: string } | null;
}

export interface UpperPlatformDetail extends UpperPlatformView {
  shares: ShareEntry[];
  catalog: SharedItemView[];
}

export interface CascadeServices {
  listUpperPlatforms(): UpperPlatformView[];
  getUpperPlatform(id: string): UpperPlatformDetail | undefined;
  createUpperPlatform(input: UpperPlatformInput): Promise<UpperPlatformDetail>;
  updateUpperPlatform(id: string, update: UpperPlatformUpdate): Promise<UpperPlatformDetail>;
  deleteUpperPlatform(id: string): Promise<void>;
  setShares(id: string, shares: ShareEntry[]): Promise<UpperPlatformDetail>;
}
