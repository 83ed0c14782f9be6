import type Docker from 'dockerode';
import { PaddockError, errorMessage, isPaddockError } from '../errors.js';
import type { ApprovalDecider } from '../egress/approval-decider.js';
import type { CredentialBinding } from '../egress/credential-broker.js';
import { startDnsRefuser } from '../egress/dns-refuser.js';
import type { Resolver } from '../egress/egress-judge.js';
import { startEgressProxy } from '../egress/egress-proxy.js';
import { applyGatewayFirewall } from '../egress/gateway-firewall.js';
import { reachableHostListeners } from '../egress/host-listeners.js';
import type { NetworkDecision, NetworkRule } from '../egress/network-rules.js';
import { createSessionNetwork } from '../egress/session-network.js';
import { LABEL } from '../sandbox/container-spec.js';
import { currentOwner } from '../sandbox/owner.js';
import type { SessionEventSink } from './session-events.js';

export interface EgressOptions {
  rules: readonly NetworkRule[];
  /** Unmatched destinations: `deny` unattended, `ask` when someone can answer. */
  defaultDecision: NetworkDecision;
  decider: ApprovalDecider | null;
  credentials?: readonly CredentialBinding[];
  resolver?: Resolver;
  askTimeoutMs?: number;
  /**
   * Start even when the host firewall cannot be installed (Paddock not root / no CAP_NET_ADMIN).
   * The sandbox can then reach every host service listening on all addresses or on the session
   * network's gateway, not only the proxy. Default false: the session does not start (fail
   * closed). `PADDOCK_EGRESS_UNFIREWALLED=1` in the engine's environment sets it too.
   */
  allowUnfirewalledGateway?: boolean;
  /** For tests: may Paddock change the host firewall? (Default: the CAP_NET_ADMIN check.) */
  firewallCapable?: () => boolean;
}

/** The opt-in for sessions without the gateway firewall (docs/egress.md, "Host firewall"). */
export const UNFIREWALLED_ENV = 'PADDOCK_EGRESS_UNFIREWALLED';

/** What the container needs to use the session's egress, and how to take it down. */
export interface SessionEgress {
  network: string;
  dns: string[];
  env: Record<string, string>;
  sysctls: Record<string, string>;
  /** Short lines for `--verbose` (e.g. the firewall could not be applied, and why). */
  notes: string[];
  /** Lines the user must see even without `--verbose` (running without the host firewall). */
  warnings: string[];
  /** The session network's gateway (Paddock's endpoints listen there) and host bridge; whether the firewall is on. */
  gateway: string;
  bridge: string;
  firewall: boolean;
  /** Swap the rules without a gap; the proxy self-checks and fails closed if that check fails. */
  reload(rules: readonly NetworkRule[], defaultDecision: NetworkDecision): Promise<void>;
  close(): Promise<void>;
}

/**
 * The session's only way out (ADR 0003): an internal network, the egress proxy on its gateway,
 * a DNS refuser there, and — when Paddock may change the host firewall — a rule that leaves the
 * sandbox nothing on the host but those two. `onFailClosed` stops the session if the proxy
 * cannot keep enforcing its rules.
 */
export async function openSessionEgress(
  docker: Docker,
  sessionId: string,
  events: SessionEventSink,
  opts: EgressOptions,
  onFailClosed: (reason: string) => void,
): Promise<SessionEgress> {
  const undo: Array<() => Promise<void>> = [];
  const close = async () => {
    for (const u of undo.splice(0).reverse()) await u().catch(() => {});
  };
  try {
    const net = await createSessionNetwork(docker, sessionId, { labels: { [LABEL.managed]: '1' } });
    undo.push(() => net.remove());
    const proxy = await startEgressProxy({
      sessionId,
      listenHost: net.gateway,
      rules: opts.rules,
      defaultDecision: opts.defaultDecision,
      decider: opts.decider,
      events,
      resolver: opts.resolver,
      credentials: opts.credentials,
      askTimeoutMs: opts.askTimeoutMs,
      onFailClosed,
    });
    undo.push(() => proxy.close());
    const notes: string[] = [];
    const warnings: string[] = [];
    const dns = await startDnsRefuser({ sessionId, listenHost: net.gateway, events });
    if (dns) undo.push(() => dns.close());
    else
      notes.push('DNS refuser not started (port 53 needs privilege); lookups inside the sandbox simply fail');
    const fw = await applyGatewayFirewall({
      bridge: net.bridge,
      gateway: net.gateway,
      proxyPort: proxy.port,
      dns: !!dns,
      sessionId,
      owner: currentOwner(),
      capable: opts.firewallCapable,
    });
    if (fw.applied) undo.push(() => fw.remove());
    else {
      const exposed = reachableHostListeners(net.gateway, [proxy.port, ...(dns ? [dns.port] : [])]);
      const list = exposed.length
        ? `; listening there now: ${exposed.map((l) => `${l.address === '::' || l.address === '0.0.0.0' ? '*' : l.address}:${l.port}`).join(', ')}`
        : '';
      if (!(opts.allowUnfirewalledGateway ?? process.env[UNFIREWALLED_ENV] === '1'))
        throw new PaddockError(
          'EGRESS_UNFIREWALLED',
          `the host firewall for the session network could not be installed (${fw.reason ?? 'unknown'}), so the sandbox could reach every service on this host that listens on all addresses or on ${net.gateway}, not only the egress proxy${list}. Run Paddock as root (or with CAP_NET_ADMIN), or accept that exposure with ${UNFIREWALLED_ENV}=1 (docs/egress.md, "Host firewall").`,
        );
      warnings.push(
        `WARNING: host firewall not applied (${fw.reason ?? 'unknown'}); ${UNFIREWALLED_ENV}=1 accepted that the sandbox can reach host services listening on all addresses or on ${net.gateway}${list}`,
      );
    }
    return {
      network: net.name,
      dns: [net.gateway],
      env: proxy.sandboxEnv(),
      // No IPv6 at all, and no unprivileged ICMP sockets (Docker 20.10 allows them otherwise).
      sysctls: { 'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv4.ping_group_range': '1 0' },
      notes,
      warnings,
      gateway: net.gateway,
      bridge: net.bridge,
      firewall: fw.applied,
      reload: (rules, defaultDecision) => proxy.reload(rules, defaultDecision),
      close,
    };
  } catch (e) {
    await close();
    const message = `cannot set up the session's egress: ${errorMessage(e)}`;
    throw isPaddockError(e)
      ? new PaddockError(e.code, message, { cause: e })
      : new Error(message, { cause: e });
  }
}
