// The egress module's public surface (composition only).
export type { ApprovalDecider, ApprovalRequest } from './approval-decider.js';
export { askWithTimeout, coalescingDecider, fixedDecider } from './approval-decider.js';
export type { CredentialBinding, CredentialProvider } from './credential-broker.js';
export { startDnsRefuser, type DnsRefuser } from './dns-refuser.js';
export {
  applyGatewayFirewall,
  bridgeNameFor,
  hasNetAdmin,
  reapGatewayFirewall,
  type GatewayFirewall,
} from './gateway-firewall.js';
export { reachableHostListeners } from './host-listeners.js';
export { formatNetworkDecision, type NetworkDecisionEvent, type EgressProtocol } from './egress-events.js';
export { mapResolver, systemResolver, type Resolver } from './egress-judge.js';
export { startEgressProxy, type EgressProxyHandle, type EgressProxyOptions } from './egress-proxy.js';
export { normaliseHost } from './host-normalise.js';
export { RuleSet, describeRule, type NetworkDecision, type NetworkRule } from './network-rules.js';
export { PRESET_NAMES, presetRules, presetsRules } from './presets.js';
export { sandboxEnvFor, type SandboxEnvInput } from './sandbox-env.js';
export {
  createSessionNetwork,
  listSessionNetworks,
  sessionNetworkName,
  type SessionNetwork,
} from './session-network.js';
export { terminalDecider } from './terminal-decider.js';
