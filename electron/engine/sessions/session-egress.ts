import type Docker from 'dockerode';
import { errorMessage } from '../errors.js';
import type { ApprovalDecider } from '../egress/approval-decider.js';
import type { CredentialBinding } from '../egress/credential-broker.js';
import { startDnsRefuser } from '../egress/dns-refuser.js';
import type { Resolver } from '../egress/egress-judge.js';
import { startEgressProxy } from '../egress/egress-proxy.js';
import { applyGatewayFirewall } from '../egress/gateway-firewall.js';
import type { NetworkDecision, NetworkRule } from '../egress/network-rules.js';
import { createSessionNetwork } from '../egress/session-network.js';
import { LABEL } from '../sandbox/container-spec.js';
import type { SessionEventSink } from './session-events.js';

export interface EgressOptions {
  rules: readonly NetworkRule[];
  /** Unmatched destinations: `deny` unattended, `ask` when someone can answer. */
  defaultDecision: NetworkDecision;
  decider: ApprovalDecider | null;
  credentials?: readonly CredentialBinding[];
  resolver?: Resolver;
  askTimeoutMs?: number;
}

/** What the container needs to use the session's egress, and how to take it down. */
export interface SessionEgress {
  network: string;
  dns: string[];
  env: Record<string, string>;
  sysctls: Record<string, string>;
  /** Short lines for `--verbose` (e.g. the firewall could not be applied, and why). */
  notes: string[];
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
    const dns = await startDnsRefuser({ sessionId, listenHost: net.gateway, events });
    if (dns) undo.push(() => dns.close());
    else
      notes.push('DNS refuser not started (port 53 needs privilege); lookups inside the sandbox simply fail');
    const fw = await applyGatewayFirewall({
      bridge: net.bridge,
      gateway: net.gateway,
      proxyPort: proxy.port,
      dns: !!dns,
    });
    if (fw.applied) undo.push(() => fw.remove());
    else
      notes.push(
        `host firewall not applied (${fw.reason ?? 'unknown'}): host services listening on all addresses are reachable from the sandbox`,
      );
    return {
      network: net.name,
      dns: [net.gateway],
      env: proxy.sandboxEnv(),
      // No IPv6 at all, and no unprivileged ICMP sockets (Docker 20.10 allows them otherwise).
      sysctls: { 'net.ipv6.conf.all.disable_ipv6': '1', 'net.ipv4.ping_group_range': '1 0' },
      notes,
      gateway: net.gateway,
      bridge: net.bridge,
      firewall: fw.applied,
      reload: (rules, defaultDecision) => proxy.reload(rules, defaultDecision),
      close,
    };
  } catch (e) {
    await close();
    throw new Error(`cannot set up the session's egress: ${errorMessage(e)}`, { cause: e });
  }
}
