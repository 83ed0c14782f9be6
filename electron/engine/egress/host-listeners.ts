import { readFileSync } from 'node:fs';

/** A TCP listener of this host (network namespace) that a sandbox could reach on its gateway. */
export interface HostListener {
  address: string;
  port: number;
}

/** `/proc/net/tcp{,6}` hex address → text (the kernel prints each 32-bit word in host order; x86/arm are little-endian). */
function hexAddress(hex: string): string | null {
  const words = hex.match(/.{8}/g);
  if (!words) return null;
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.length !== 16) return null;
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff)
    return bytes.slice(12).join('.'); // ::ffff:a.b.c.d
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  return groups.join(':') === '0:0:0:0:0:0:0:0' ? '::' : groups.join(':');
}

/** Listening sockets in a `/proc/net/tcp`-format listing bound to any address or to `gateway`. */
export function parseListeners(listing: string, gateway: string): HostListener[] {
  const found: HostListener[] = [];
  for (const line of listing.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] !== '0A') continue; // TCP_LISTEN
    const [addrHex, portHex] = (f[1] ?? '').split(':');
    const address = addrHex ? hexAddress(addrHex) : null;
    if (address === null || !portHex) continue;
    if (address === '0.0.0.0' || address === '::' || address === gateway)
      found.push({ address, port: parseInt(portHex, 16) });
  }
  return found;
}

/**
 * The host's TCP services a container on the session network can reach through its gateway
 * when no gateway firewall is installed: listeners on 0.0.0.0, :: or the gateway address
 * (ports in `except`, Paddock's own, left out). Best effort: [] where /proc is not readable.
 */
export function reachableHostListeners(gateway: string, except: readonly number[] = []): HostListener[] {
  const all: HostListener[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      all.push(...parseListeners(readFileSync(file, 'utf8'), gateway));
    } catch {
      // not Linux, or no /proc: nothing to list
    }
  }
  const seen = new Set<string>();
  return all.filter((l) => {
    const key = `${l.address}|${l.port}`;
    if (except.includes(l.port) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
