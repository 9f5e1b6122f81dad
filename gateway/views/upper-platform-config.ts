// The settings of one upper platform (cascade) as the config file's `cascade` list and the
// /api/upper-platforms routes accept them: one zod schema for both, camelCase like the rest of
// the JSON API. Defaults follow GB/T 28181 practice (docs/gb28181.md §1.4, §2): Expires 3600, keepalive
// every 60 s, three misses. Virtual directory IDs must carry their type code (docs/gb28181.md §3.4):
// 215 for a business group, 216 for a virtual organisation.
import { z } from 'zod';
import type { ShareEntry, UpperPlatformRecord } from '../store/cascade-store.js';

const GbId = z.string().regex(/^\d{20}$/, 'must be a 20-digit GB/T 28181 ID');
const typed = (code: string, what: string) =>
  GbId.refine((id) => id.slice(10, 13) === code, `a ${what} ID has type code ${code} (digits 11-13)`);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const Name = z.string().trim().min(1).max(64);

export const ShareSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('device'), deviceId: GbId, parentId: GbId.optional() }),
  z.strictObject({
    type: z.literal('channel'),
    deviceId: GbId,
    channelId: GbId,
    /** The ID the upper sees, when ours would clash in its domain. */
    asId: GbId.optional(),
    name: Name.optional(),
    parentId: GbId.optional(),
  }),
  z.strictObject({ type: z.literal('group'), id: typed('215', 'business group'), name: Name }),
  z.strictObject({
    type: z.literal('organisation'),
    id: typed('216', 'virtual organisation'),
    name: Name,
    parentId: GbId,
  }),
]) satisfies z.ZodType<ShareEntry>;

/** Cross-entry rules: IDs unique, parents exist and are directory nodes, every organisation under a group. */
export function shareProblems(shares: readonly ShareEntry[]): string[] {
  type Node = Extract<ShareEntry, { type: 'group' | 'organisation' }>;
  const problems: string[] = [];
  const nodes = new Map<string, Node>();
  for (const s of shares) {
    if (s.type === 'group' || s.type === 'organisation') {
      if (nodes.has(s.id)) {
        problems.push(`directory node ${s.id} is listed twice`);
      }
      nodes.set(s.id, s);
    }
  }
  const presented = new Set<string>();
  shares.forEach((s, i) => {
    if (s.type === 'channel') {
      const id = s.asId ?? s.channelId;
      if (presented.has(id) || nodes.has(id)) {
        problems.push(`shares[${i}]: ID ${id} is presented twice`);
      }
      presented.add(id);
    }
    const parentId = s.type === 'group' ? undefined : s.parentId;
    if (parentId !== undefined && !nodes.has(parentId)) {
      problems.push(`shares[${i}]: parentId ${parentId} is not a group or organisation of this share list`);
    }
  });
  // A virtual organisation belongs to a business group (GB/T 28181-2016 Annex D): follow parents.
  for (const node of nodes.values()) {
    const seen = new Set<string>();
    let cursor: Node | undefined = node;
    while (cursor?.type === 'organisation' && !seen.has(cursor.id)) {
      seen.add(cursor.id);
      cursor = nodes.get(cursor.parentId);
    }
    if (cursor?.type === 'organisation') {
      problems.push(`organisation ${node.id}: its parents form a loop`);
    } else if (node.type === 'organisation' && cursor === undefined) {
      problems.push(`organisation ${node.id}: no business group above it`);
    }
  }
  return problems;
}

const settings = {
  name: Name.optional(),
  /** Digest realm / SIP domain of the upper; default the first 10 digits of its ID. */
  realm: z
    .string()
    .regex(/^\d{8,10}$/, 'realm is the 10-digit SIP domain')
    .optional(),
  host: z.string().trim().min(1).max(253),
  port: int(1, 65535).default(5060),
  transport: z.enum(['udp', 'tcp']).default('udp'),
  password: z.string().min(1).max(128),
  /** The ID we present upward; default the gateway's own SIP ID. */
  localId: GbId.optional(),
  keepaliveIntervalSec: int(1, 3600).default(60),
  keepaliveMaxMisses: int(1, 10).default(3),
  expiresSec: int(60, 86400).default(3600),
  /** How long one REGISTER may go unanswered before it counts as a failure (a retry follows). */
  registerTimeoutSec: int(1, 64).default(10),
  charset: z.enum(['GB2312', 'GBK', 'GB18030', 'UTF-8']).default('GB2312'),
  enabled: z.boolean().default(true),
};

const SharesSchema = z
  .array(ShareSchema)
  .max(10_000)
  .superRefine((shares, ctx) => {
    for (const message of shareProblems(shares)) {
      ctx.addIssue({ code: 'custom', message });
    }
  });

/** POST /api/upper-platforms and each entry of the config file's `cascade` list. */
export const UpperPlatformSchema = z.strictObject({
  id: GbId,
  ...settings,
  shares: SharesSchema.optional(),
});

/** PUT /api/upper-platforms/:upperId: the settings; a missing password keeps the stored one. */
export const UpperPlatformUpdateSchema = z.strictObject({
  ...settings,
  password: settings.password.optional(),
  shares: SharesSchema.optional(),
});

/** PUT /api/upper-platforms/:upperId/shares. */
export const SharesBodySchema = z.strictObject({ shares: SharesSchema });

export type UpperPlatformInput = z.infer<typeof UpperPlatformSchema>;
export type UpperPlatformUpdate = z.infer<typeof UpperPlatformUpdateSchema>;

/** The stored form of validated settings. */
export function toRecord(id: string, s: Omit<UpperPlatformInput, 'id' | 'shares'>): UpperPlatformRecord {
  return {
    id,
    name: s.name ?? null,
    realm: s.realm ?? id.slice(0, 10),
    host: s.host,
    port: s.port,
    transport: s.transport,
    password: s.password,
    localId: s.localId ?? null,
    keepaliveIntervalSec: s.keepaliveIntervalSec,
    keepaliveMaxMisses: s.keepaliveMaxMisses,
    expiresSec: s.expiresSec,
    registerTimeoutSec: s.registerTimeoutSec,
    charset: s.charset,
    enabled: s.enabled,
  };
}
