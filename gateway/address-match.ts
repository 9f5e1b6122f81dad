// Matching client addresses against configured lists (trusted proxies): IPv4 and IPv6 addresses
// and CIDR blocks, through node:net's BlockList. An IPv4 peer seen on a dual-stack socket as
// ::ffff:a.b.c.d matches the IPv4 entry.
import { BlockList, isIP } from 'node:net';

/** "10.0.0.1", "10.0.0.0/8", "::1", "fd00::/8". */
export function isAddressOrCidr(entry: string): boolean {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || extra !== undefined) {
    return false;
  }
  if (bits === undefined) {
    return true;
  }
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

/** The IPv4 address inside an IPv4-mapped IPv6 address, else the address as it is. */
export function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}

export class AddressList {
  readonly #list = new BlockList();
  readonly size: number;

  /** Entries are checked by the caller (isAddressOrCidr); a bad one throws here. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address, bits] = entry.split('/') as [string, string | undefined];
      const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (bits === undefined) {
        this.#list.addAddress(address, type);
      } else {
        this.#list.addSubnet(address, Number(bits), type);
      }
    }
    this.size = entries.length;
  }

  has(address: string): boolean {
    if (this.size === 0) {
      return false;
    }
    const plain = unmapIpv4(address);
    const family = isIP(plain);
    return family !== 0 && this.#list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }
}
