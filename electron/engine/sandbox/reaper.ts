import type Docker from 'dockerode';
import { reapGatewayFirewall } from '../egress/gateway-firewall.js';
import { listSessionNetworks } from '../egress/session-network.js';
import { errorMessage } from '../errors.js';
import { LABEL } from './container-spec.js';
import type { OwnerIdentity } from './owner.js';
import { currentOwner, ownerAlive, ownerFromLabels } from './owner.js';

export interface ReapedContainer {
  id: string;
  sessionId: string;
  owner: OwnerIdentity;
}

/**
 * Remove Paddock containers (and session networks, and gateway firewall rules) whose owning
 * engine process is gone — left behind by a crash or `kill -9`. Containers owned by live
 * processes, or by other hosts sharing the engine, are left alone.
 */
export async function reapOrphans(
  docker: Docker,
  onError: (message: string) => void = () => {},
  self: OwnerIdentity = currentOwner(),
): Promise<ReapedContainer[]> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${LABEL.managed}=1`] } });
  const reaped: ReapedContainer[] = [];
  const orphanSessions = new Set<string>();
  await Promise.all(
    list.map(async (c) => {
      const owner = ownerFromLabels(c.Labels);
      const sessionId = c.Labels[LABEL.session] ?? '';
      if (owner && ownerAlive(owner, self)) return;
      try {
        await docker.getContainer(c.Id).remove({ force: true, v: true });
        reaped.push({ id: c.Id, sessionId, owner: owner ?? { host: '?', pid: 0, start: '' } });
        if (sessionId) orphanSessions.add(sessionId);
      } catch (e) {
        if (!/no such container|404/i.test(errorMessage(e))) onError(`could not remove orphan container ${c.Id.slice(0, 12)}: ${errorMessage(e)}`);
      }
    }),
  );
  await removeOrphanNetworks(docker, orphanSessions, onError);
  // Host firewall rules (gateway-firewall.ts) live in this host's kernel: their owner is a local process.
  await reapGatewayFirewall({ ownerAlive: (o) => ownerAlive({ host: self.host, ...o }, self) }).catch(
    (e: unknown) => onError(errorMessage(e)),
  );
  return reaped;
}

/** Session networks whose session's container is gone (the egress layer labels them). */
async function removeOrphanNetworks(docker: Docker, sessions: Set<string>, onError: (m: string) => void): Promise<void> {
  if (sessions.size === 0) return;
  const nets = await listSessionNetworks(docker).catch(() => []);
  for (const n of nets) {
    if (!sessions.has(n.sessionId)) continue;
    await docker
      .getNetwork(n.id)
      .remove()
      .catch((e: unknown) => onError(`could not remove orphan network ${n.name}: ${errorMessage(e)}`));
  }
}
