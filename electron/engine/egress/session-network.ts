import type Docker from 'dockerode';
import { PaddockError, errorMessage } from '../errors.js';

/** A per-session Docker network with no route out: the container's only peer is the gateway (the host). */
export interface SessionNetwork {
  name: string;
  id: string;
  /** The gateway address on the host bridge: where the egress proxy listens. */
  gateway: string;
  subnet: string;
  /** Host-side bridge interface (Docker's naming: `br-<first 12 of the id>`), for applyGatewayFirewall. */
  bridge: string;
  remove(): Promise<void>;
}

export interface SessionNetworkOptions {
  /** Extra labels (tests add paddock.test=1). */
  labels?: Record<string, string>;
}

export function sessionNetworkName(sessionId: string): string {
  return `paddock-${sessionId
    .toLowerCase()
    .replace(/[^a-z0-9_.-]/g, '-')
    .slice(0, 48)}`;
}

/**
 * Creates the network `--internal` (Docker installs DROP rules for anything leaving the subnet),
 * IPv6 off, labelled `paddock.session=<id>`. The gateway address is assigned to the host side of
 * the bridge even for internal networks, so a host process can listen there and the container
 * can reach it (ADR 0003).
 */
export async function createSessionNetwork(
  docker: Docker,
  sessionId: string,
  opts: SessionNetworkOptions = {},
): Promise<SessionNetwork> {
  const name = sessionNetworkName(sessionId);
  let id: string;
  try {
    const net = await docker.createNetwork({
      Name: name,
      Driver: 'bridge',
      Internal: true,
      EnableIPv6: false,
      CheckDuplicate: true,
      Attachable: false,
      Labels: { 'paddock.session': sessionId, ...opts.labels },
      Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
    });
    id = net.id;
  } catch (e) {
    throw new PaddockError(
      'CONTAINER_FAILED',
      `cannot create the session network ${name}: ${errorMessage(e)}. If a stale one exists, remove it with \`docker network rm ${name}\`.`,
      { cause: e },
    );
  }
  const remove = async () => {
    try {
      await docker.getNetwork(id).remove();
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404)
        throw new PaddockError(
          'CONTAINER_FAILED',
          `cannot remove the session network ${name}: ${errorMessage(e)}`,
          { cause: e },
        );
    }
  };
  try {
    const info = (await docker.getNetwork(id).inspect()) as {
      IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] };
    };
    const cfg = info.IPAM?.Config?.find((c) => c.Subnet && !c.Subnet.includes(':'));
    if (!cfg?.Subnet) throw new Error('the engine assigned no IPv4 subnet');
    const gateway = cfg.Gateway ?? firstHost(cfg.Subnet);
    return { name, id, gateway, subnet: cfg.Subnet, bridge: `br-${id.slice(0, 12)}`, remove };
  } catch (e) {
    await remove().catch(() => {});
    throw new PaddockError(
      'CONTAINER_FAILED',
      `session network ${name} has no usable gateway: ${errorMessage(e)}`,
      { cause: e },
    );
  }
}

/** `172.18.0.0/16` → `172.18.0.1` (Podman may leave Gateway out of the inspect output). */
export function firstHost(subnet: string): string {
  const [base] = subnet.split('/');
  const parts = (base ?? '').split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p)))
    throw new Error(`not an IPv4 subnet: ${subnet}`);
  parts[3] = (parts[3] ?? 0) + 1;
  return parts.join('.');
}

/** Networks left behind by crashed sessions (label paddock.session), for the reaper. */
export async function listSessionNetworks(
  docker: Docker,
): Promise<{ id: string; name: string; sessionId: string }[]> {
  const nets = await docker.listNetworks({ filters: { label: ['paddock.session'] } });
  return nets.map((n) => ({ id: n.Id, name: n.Name, sessionId: n.Labels?.['paddock.session'] ?? '' }));
}
