import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';

/**
 * Host normalisation, applied to every destination before any rule sees it: lower case, no
 * trailing dot, IDN → punycode (A-labels), IPv6 without brackets and in canonical form.
 * Returns null for anything that is not a valid host name or IP literal, so a malformed host
 * can never match a rule by accident.
 */
export function normaliseHost(raw: string): string | null {
  let h = raw.trim();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.length === 0 || h.length > 255) return null;
  if (isIP(h) === 6) return canonicalIPv6(h);
  if (/[\s/\\@?#%:[\]<>^|]/.test(h)) return null; // never a host: smuggled URL parts
  while (h.endsWith('.')) h = h.slice(0, -1);
  if (h.length === 0) return null;
  // The WHATWG host parser (what domainToASCII applies) lower-cases, maps IDN to punycode, and
  // turns numeric IPv4 forms (0x7f.1, 2130706433) into dotted quads so they classify correctly.
  let ascii: string;
  try {
    ascii = new URL(`http://${h}/`).hostname;
  } catch {
    return null;
  }
  if (ascii === '' || domainToASCII(ascii) === '') return null;
  if (isIP(ascii) === 4) return ascii;
  if (!/^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(ascii)) return null;
  if (ascii.split('.').some((label) => label.length > 63)) return null;
  return ascii;
}

/** Canonical text for an IPv6 literal (lower case, zero-compressed), via the WHATWG URL parser. */
export function canonicalIPv6(ip: string): string {
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
}

/** `host:port` for display and for URL authorities (IPv6 in brackets). */
export function hostPort(host: string, port: number): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Split an authority (`host:port`, `[v6]:port`) as found in CONNECT targets. */
export function splitAuthority(
  authority: string,
  defaultPort?: number,
): { host: string; port: number } | null {
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(authority) ?? /^([^:[\]]+)(?::(\d+))?$/.exec(authority);
  if (!m) return null;
  const portText = m[2];
  const port = portText === undefined ? defaultPort : Number(portText);
  if (port === undefined || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: m[1] ?? '', port };
}
