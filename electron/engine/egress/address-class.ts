import { isIP } from 'node:net';

/**
 * Classification of a resolved address, as pure data. Everything other than `public` is
 * refused by the proxy unless a rule names that exact address.
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'cgnat'
  | 'metadata'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'reserved'
  | 'ipv4-embedded'
  | 'invalid';

/** Cloud instance-metadata endpoints, named so the refusal message says what they are. */
const METADATA = new Set([
  '169.254.169.254',
  '169.254.170.2',
  '169.254.169.123',
  '100.100.100.200',
  '192.0.0.192',
  'fd00:ec2::254',
]);

type V4Range = readonly [base: number, bits: number, cls: AddressClass];
const V4_RANGES: readonly V4Range[] = [
  [v4('0.0.0.0'), 32, 'unspecified'],
  [v4('0.0.0.0'), 8, 'reserved'], // "this network"
  [v4('10.0.0.0'), 8, 'private'],
  [v4('100.64.0.0'), 10, 'cgnat'],
  [v4('127.0.0.0'), 8, 'loopback'],
  [v4('169.254.0.0'), 16, 'link-local'],
  [v4('172.16.0.0'), 12, 'private'],
  [v4('192.0.0.0'), 24, 'reserved'], // IETF protocol assignments
  [v4('192.0.2.0'), 24, 'reserved'], // TEST-NET-1
  [v4('192.88.99.0'), 24, 'reserved'], // 6to4 relay anycast
  [v4('192.168.0.0'), 16, 'private'],
  [v4('198.18.0.0'), 15, 'reserved'], // benchmarking
  [v4('198.51.100.0'), 24, 'reserved'], // TEST-NET-2
  [v4('203.0.113.0'), 24, 'reserved'], // TEST-NET-3
  [v4('224.0.0.0'), 4, 'multicast'],
  [v4('255.255.255.255'), 32, 'broadcast'],
  [v4('240.0.0.0'), 4, 'reserved'],
];

export function classifyAddress(ip: string): AddressClass {
  const family = isIP(ip);
  if (family === 4) return classifyV4(v4(ip), ip);
  if (family === 6) return classifyV6(ip);
  return 'invalid';
}

function classifyV4(n: number, text: string): AddressClass {
  if (METADATA.has(text)) return 'metadata';
  for (const [base, bits, cls] of V4_RANGES) if (inV4(n, base, bits)) return cls;
  return 'public';
}

function classifyV6(ip: string): AddressClass {
  const w = v6Words(ip);
  if (!w) return 'invalid';
  const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  if (METADATA.has(canonical)) return 'metadata';
  const zeroUpTo = (k: number) => w.slice(0, k).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && w[7] === 1) return 'loopback';
  // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d,
  // NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002::/16, Teredo 2001::/32: all carry an IPv4
  // address that the kernel or a gateway may route to; refuse the embedded form outright.
  if (zeroUpTo(5) && (w[5] === 0xffff || w[5] === 0)) return 'ipv4-embedded';
  if (zeroUpTo(4) && w[4] === 0xffff && w[5] === 0) return 'ipv4-embedded';
  if (w[0] === 0x64 && w[1] === 0xff9b) return 'ipv4-embedded';
  if (w[0] === 0x2002) return 'ipv4-embedded';
  if (w[0] === 0x2001 && w[1] === 0) return 'ipv4-embedded';
  const first = w[0] ?? 0;
  if ((first & 0xfe00) === 0xfc00) return 'private'; // ULA fc00::/7
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((first & 0xff00) === 0xff00) return 'multicast';
  if (first === 0x2001 && w[1] === 0x0db8) return 'reserved'; // documentation
  if ((first & 0xe000) !== 0x2000) return 'reserved'; // only 2000::/3 is global unicast
  return 'public';
}

/** The eight 16-bit words of an IPv6 literal (handles `::` and a dotted IPv4 tail). */
export function v6Words(ip: string): number[] | null {
  if (isIP(ip) !== 6) return null;
  let text = ip.toLowerCase();
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct);
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail?.[1]) {
    const n = v4(tail[1]);
    text = text.slice(0, -tail[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((x) => parseInt(x, 16)));
  const a = parse(head);
  const b = rest === undefined ? [] : parse(rest);
  const fill = rest === undefined ? 0 : 8 - a.length - b.length;
  const words = [...a, ...new Array<number>(fill).fill(0), ...b];
  return words.length === 8 ? words : null;
}

function v4(ip: string): number {
  return ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

function inV4(n: number, base: number, bits: number): boolean {
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : ~((1 << (32 - bits)) - 1) >>> 0;
  return (n & mask) >>> 0 === (base & mask) >>> 0;
}

/** A sentence for refusal messages. */
export function describeAddressClass(cls: AddressClass): string {
  switch (cls) {
    case 'public':
      return 'a public address';
    case 'loopback':
      return 'a loopback address';
    case 'private':
      return 'a private-range address';
    case 'link-local':
      return 'a link-local address';
    case 'cgnat':
      return 'a carrier-grade NAT (100.64.0.0/10) address';
    case 'metadata':
      return 'a cloud instance-metadata address';
    case 'multicast':
      return 'a multicast address';
    case 'unspecified':
      return 'the unspecified address';
    case 'broadcast':
      return 'the broadcast address';
    case 'reserved':
      return 'a reserved or documentation address';
    case 'ipv4-embedded':
      return 'an IPv6 form that embeds an IPv4 address (mapped, compatible, NAT64, 6to4 or Teredo)';
    case 'invalid':
      return 'not a valid IP address';
  }
}
