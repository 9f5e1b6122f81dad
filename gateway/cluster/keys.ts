// Every Redis key and pub/sub channel the cluster uses, in one place (deploy/README.md lists
// them for operators). A prefix keeps two clusters, or two test runs, apart on one Redis.

export interface ClusterKeys {
  /** SET of media node IDs that announced themselves. */
  readonly nodes: string;
  /** STRING (JSON NodeStatus, expires after a few missed beats) per media node. */
  node(nodeId: string): string;
  /** STRING (JSON {nodeId, http}) of the signaling node, refreshed like a heartbeat. */
  readonly signaling: string;
  /** PUBLISH channel of every media node heartbeat (signaling times them with its own clock). */
  readonly heartbeat: string;
  /** HASH streamId → JSON DirectoryEntry: which node serves which stream. */
  readonly streams: string;
  /** HASH deviceId → JSON DeviceRecord (written by the signaling node only). */
  readonly devices: string;
  /** HASH channelId → JSON ChannelRecord per device. */
  channels(deviceId: string): string;
  /** PUBLISH channel of device/channel changes (JSON StoreChange). */
  readonly storeChanges: string;
  /** PUBLISH channel a node reads its requests, replies and events from. */
  inbox(nodeId: string): string;
  /** STREAM of the signaling node's published events (JSON GatewayEvent), capped near --events-backlog. */
  readonly events: string;
}

export function clusterKeys(prefix: string): ClusterKeys {
  return {
    nodes: `${prefix}nodes`,
    node: (id) => `${prefix}node:${id}`,
    signaling: `${prefix}signaling`,
    heartbeat: `${prefix}heartbeat`,
    streams: `${prefix}streams`,
    devices: `${prefix}devices`,
    channels: (deviceId) => `${prefix}channels:${deviceId}`,
    storeChanges: `${prefix}store-changes`,
    inbox: (id) => `${prefix}inbox:${id}`,
    events: `${prefix}events`,
  };
}
