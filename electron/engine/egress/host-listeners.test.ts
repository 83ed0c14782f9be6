import { describe, expect, it } from 'vitest';
import { parseListeners } from './host-listeners.js';

// /proc/net/tcp and tcp6 as the kernel prints them (x86: 32-bit words in little-endian order).
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1
   1: 0100007F:0CEA 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1
   2: 010012AC:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3 1
   3: 010013AC:0017 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4 1
   4: 010012AC:1F91 020012AC:C350 01 00000000:00000000 00:00000000 00000000     0        0 5 1
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue
   0: 00000000000000000000000000000000:1F92 00000000000000000000000000000000:0000 0A 00000000:00000000
   1: 00000000000000000000000001000000:1F93 00000000000000000000000000000000:0000 0A 00000000:00000000
   2: 0000000000000000FFFF0000010012AC:1F94 00000000000000000000000000000000:0000 0A 00000000:00000000
`;

describe('parseListeners', () => {
  it('lists listeners on any address or on the gateway, not loopback, other bridges or connections', () => {
    expect(parseListeners(TCP, '172.18.0.1')).toEqual([
      { address: '0.0.0.0', port: 8080 },
      { address: '172.18.0.1', port: 22 },
    ]);
  });

  it('reads IPv6 any and IPv4-mapped gateway listeners, not ::1', () => {
    expect(parseListeners(TCP6, '172.18.0.1')).toEqual([
      { address: '::', port: 8082 },
      { address: '172.18.0.1', port: 8084 },
    ]);
  });
});
