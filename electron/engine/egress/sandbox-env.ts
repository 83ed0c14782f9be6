import { hostPort } from './host-normalise.js';
import type { CredentialBinding } from './credential-broker.js';
import { CRED_PREFIX, PROVIDERS, credentialName, placeholderFor } from './credential-broker.js';

export interface SandboxEnvInput {
  /** The proxy's address as the container reaches it (the session network's gateway). */
  proxyHost: string;
  proxyPort: number;
  credentials?: readonly CredentialBinding[];
  /** When the SOCKS5 side requires a token, it goes in ALL_PROXY as user:token. */
  socksToken?: string | null;
}

/**
 * The environment a sandbox container gets: every common way of saying "use this proxy", a
 * NO_PROXY for Paddock's own endpoints, and for each credential a base URL on the proxy plus a
 * placeholder key. The real secret never appears here.
 */
export function sandboxEnvFor(session: SandboxEnvInput): Record<string, string> {
  const authority = hostPort(session.proxyHost, session.proxyPort);
  const proxy = `http://${authority}`;
  const socks = session.socksToken
    ? `socks5h://paddock:${encodeURIComponent(session.socksToken)}@${authority}`
    : `socks5h://${authority}`;
  const noProxy = [session.proxyHost, 'localhost', '127.0.0.1', '::1'].join(',');
  const env: Record<string, string> = {
    HTTP_PROXY: proxy,
    HTTPS_PROXY: proxy,
    ALL_PROXY: socks,
    NO_PROXY: noProxy,
    http_proxy: proxy,
    https_proxy: proxy,
    all_proxy: socks,
    no_proxy: noProxy,
    // npm / yarn / pnpm
    npm_config_proxy: proxy,
    npm_config_https_proxy: proxy,
    npm_config_noproxy: noProxy,
    YARN_HTTP_PROXY: proxy,
    YARN_HTTPS_PROXY: proxy,
    // pip
    PIP_PROXY: proxy,
    // git (also honours http_proxy; this makes it explicit and survives a cleared env in hooks)
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: 'http.proxy',
    GIT_CONFIG_VALUE_0: proxy,
    GIT_CONFIG_KEY_1: 'https.proxy',
    GIT_CONFIG_VALUE_1: proxy,
    // Node ≥ 24 fetch/http honour the proxy variables only when asked to
    NODE_USE_ENV_PROXY: '1',
    // JVM tools
    JAVA_TOOL_OPTIONS: `-Dhttp.proxyHost=${session.proxyHost} -Dhttp.proxyPort=${session.proxyPort} -Dhttps.proxyHost=${session.proxyHost} -Dhttps.proxyPort=${session.proxyPort}`,
  };
  for (const b of session.credentials ?? []) {
    const info = PROVIDERS[b.provider];
    const base = `${proxy}${CRED_PREFIX}${credentialName(b)}`;
    for (const k of info.baseEnv) env[k] = base;
    for (const k of info.keyEnv) env[k] = placeholderFor(b);
  }
  return env;
}
