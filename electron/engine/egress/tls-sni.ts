/**
 * Reads the SNI host name out of a TLS ClientHello without terminating TLS. Fed the bytes a
 * tunnel client sent so far; says whether it needs more. Handles a ClientHello split across
 * several TLS records.
 */
export type SniResult =
  | { state: 'need-more' }
  | { state: 'not-tls' }
  | { state: 'malformed'; why: string }
  | { state: 'ok'; sni: string | null };

/** Past this the proxy gives up waiting for a ClientHello (real ones are well under 16 KiB). */
export const MAX_CLIENT_HELLO = 64 * 1024;

export function parseClientHelloSni(buf: Buffer): SniResult {
  if (buf.length === 0) return { state: 'need-more' };
  if (buf[0] !== 0x16) return { state: 'not-tls' };
  // Reassemble the handshake layer from consecutive handshake records.
  const parts: Buffer[] = [];
  let off = 0;
  let handshakeLen = -1;
  let have = 0;
  while (handshakeLen < 0 || have < handshakeLen + 4) {
    if (off + 5 > buf.length) return more(buf);
    if (buf[off] !== 0x16)
      return { state: 'malformed', why: 'ClientHello interrupted by a non-handshake record' };
    const recLen = buf.readUInt16BE(off + 3);
    if (recLen === 0 || recLen > 18432) return { state: 'malformed', why: 'bad TLS record length' };
    if (off + 5 + recLen > buf.length) return more(buf);
    parts.push(buf.subarray(off + 5, off + 5 + recLen));
    have += recLen;
    off += 5 + recLen;
    if (handshakeLen < 0 && have >= 4) {
      const hs = Buffer.concat(parts);
      if (hs[0] !== 0x01) return { state: 'malformed', why: 'first handshake message is not a ClientHello' };
      handshakeLen = hs.readUIntBE(1, 3);
      if (handshakeLen > MAX_CLIENT_HELLO) return { state: 'malformed', why: 'ClientHello too large' };
    }
  }
  const hello = Buffer.concat(parts).subarray(4, 4 + handshakeLen);
  try {
    return { state: 'ok', sni: readSni(hello) };
  } catch (e) {
    return { state: 'malformed', why: e instanceof Error ? e.message : 'unreadable ClientHello' };
  }
}

function more(buf: Buffer): SniResult {
  return buf.length > MAX_CLIENT_HELLO
    ? { state: 'malformed', why: 'ClientHello too large' }
    : { state: 'need-more' };
}

function readSni(h: Buffer): string | null {
  let p = 2 + 32; // legacy_version, random
  const need = (n: number) => {
    if (p + n > h.length) throw new Error('truncated ClientHello');
  };
  need(1);
  p += 1 + h.readUInt8(p); // session id
  need(2);
  p += 2 + h.readUInt16BE(p); // cipher suites
  need(1);
  p += 1 + h.readUInt8(p); // compression methods
  if (p === h.length) return null; // no extensions at all
  need(2);
  const extEnd = p + 2 + h.readUInt16BE(p);
  p += 2;
  if (extEnd > h.length) throw new Error('truncated extensions');
  let sni: string | null = null;
  while (p + 4 <= extEnd) {
    const type = h.readUInt16BE(p);
    const len = h.readUInt16BE(p + 2);
    p += 4;
    if (p + len > extEnd) throw new Error('truncated extension');
    if (type === 0x0000) {
      if (sni !== null) throw new Error('duplicate server_name extension');
      sni = readServerName(h.subarray(p, p + len));
    }
    p += len;
  }
  return sni;
}

function readServerName(ext: Buffer): string {
  if (ext.length < 2) throw new Error('empty server_name');
  const listEnd = 2 + ext.readUInt16BE(0);
  if (listEnd > ext.length) throw new Error('truncated server_name list');
  const names: string[] = [];
  for (let p = 2; p + 3 <= listEnd;) {
    const type = ext.readUInt8(p);
    const len = ext.readUInt16BE(p + 1);
    p += 3;
    if (p + len > listEnd) throw new Error('truncated server name');
    if (type === 0) names.push(ext.subarray(p, p + len).toString('latin1'));
    p += len;
  }
  if (names.length !== 1) throw new Error(`server_name carries ${names.length} host names`);
  return names[0] ?? '';
}
