import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSessionNetwork,
  listSessionNetworks,
  type SessionNetwork,
} from '../../electron/engine/egress/session-network.js';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { TEST_LABELS } from './egress-kit.js';

let docker: Docker;
let net: SessionNetwork | undefined;
const sessionId = `egress-net-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  ({ docker } = await connectEngine());
});
afterAll(async () => {
  await net?.remove();
});

describe('session network', () => {
  it('is internal, IPv4 only, labelled, and its gateway is an address of this host', async () => {
    net = await createSessionNetwork(docker, sessionId, { labels: TEST_LABELS });
    const info = (await docker.getNetwork(net.id).inspect()) as {
      Internal: boolean;
      EnableIPv6: boolean;
      Labels: Record<string, string>;
      Name: string;
    };
    expect(info).toMatchObject({ Internal: true, EnableIPv6: false, Name: net.name });
    expect(info.Labels).toMatchObject({ 'paddock.session': sessionId, 'paddock.test': '1' });
    // A host process can bind the gateway address (the bridge is still DOWN: no container yet).
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, net?.gateway, () => resolve());
    });
    expect((server.address() as { address: string }).address).toBe(net.gateway);
    server.close();
    expect((await listSessionNetworks(docker)).map((n) => n.sessionId)).toContain(sessionId);
  });

  it('a second network for the same session is refused with what to do', async () => {
    await expect(createSessionNetwork(docker, sessionId, { labels: TEST_LABELS })).rejects.toThrow(
      /docker network rm paddock-egress-net-/,
    );
  });

  it('remove() removes it and is idempotent', async () => {
    if (!net) throw new Error('no network from the first test');
    await net.remove();
    await net.remove();
    await expect(docker.getNetwork(net.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    net = undefined;
  });
});
