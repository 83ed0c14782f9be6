import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { Resolver } from './egress-judge.js';

export type CredentialProvider = 'anthropic' | 'openai' | 'google';

/**
 * A secret held on the host and bound to one upstream. The sandbox gets a base URL pointing at
 * the proxy (`/_paddock/cred/<name>`) and a placeholder key; the proxy forwards to `upstream`
 * (and only there) with the real key in the provider's header.
 */
export interface CredentialBinding {
  /** URL segment and env-var stem; defaults to the provider name. */
  name?: string;
  provider: CredentialProvider;
  secret: string;
  /** Base URL of the real API; defaults to the provider's public endpoint. Tests point it at a local server. */
  upstream?: string;
  /** Extra CA for an https upstream (tests with a self-signed fake API). */
  ca?: string | Buffer;
}

interface ProviderInfo {
  upstream: string;
  header: string;
  format: (secret: string) => string;
  keyEnv: readonly string[];
  baseEnv: readonly string[];
}

export const PROVIDERS: Record<CredentialProvider, ProviderInfo> = {
  anthropic: {
    upstream: 'https://api.anthropic.com',
    header: 'x-api-key',
    format: (s) => s,
    keyEnv: ['ANTHROPIC_API_KEY'],
    baseEnv: ['ANTHROPIC_BASE_URL'],
  },
  openai: {
    upstream: 'https://api.openai.com/v1',
    header: 'authorization',
    format: (s) => `Bearer ${s}`,
    keyEnv: ['OPENAI_API_KEY'],
    baseEnv: ['OPENAI_BASE_URL'],
  },
  google: {
    upstream: 'https://generativelanguage.googleapis.com',
    header: 'x-goog-api-key',
    format: (s) => s,
    keyEnv: ['GEMINI_API_KEY', 'GOOGLE_API_KEY'],
    baseEnv: ['GOOGLE_GEMINI_BASE_URL'],
  },
};

export const CRED_PREFIX = '/_paddock/cred/';

/** Headers that could carry a key the client chose; always dropped before the real one is set. */
const AUTH_HEADERS = new Set([
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  'proxy-authorization',
]);
const HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

export function credentialName(b: CredentialBinding): string {
  return b.name ?? b.provider;
}

export function placeholderFor(b: CredentialBinding): string {
  return `paddock-placeholder-${credentialName(b)}`;
}

export interface BrokerOutcome {
  name: string;
  host: string;
  port: number;
  address: string | null;
  status: number;
  bytesUp: number;
  bytesDown: number;
  error?: string;
}

/** Forward one request under `/_paddock/cred/<name>/...` to the bound upstream with the key injected. */
export function forwardWithCredential(
  req: IncomingMessage,
  res: ServerResponse,
  bindings: ReadonlyMap<string, CredentialBinding>,
  resolver: Resolver,
  path: string,
): Promise<BrokerOutcome> {
  const rest = path.slice(CRED_PREFIX.length);
  const slash = rest.indexOf('/');
  const name = slash < 0 ? (rest.split('?')[0] ?? '') : rest.slice(0, slash);
  const binding = bindings.get(name);
  const out: BrokerOutcome = { name, host: '', port: 0, address: null, status: 0, bytesUp: 0, bytesDown: 0 };
  if (!binding) {
    out.status = 404;
    res
      .writeHead(404, { 'content-type': 'text/plain' })
      .end(`Paddock credential broker: no credential named ${JSON.stringify(name)} in this session.\n`);
    return Promise.resolve(out);
  }
  const info = PROVIDERS[binding.provider];
  const base = new URL(binding.upstream ?? info.upstream);
  const tail = slash < 0 ? rest.slice(name.length) : rest.slice(slash);
  const target = new URL(base.href);
  const [tailPath, tailQuery] = splitQuery(tail);
  target.pathname = base.pathname.replace(/\/$/, '') + (tailPath.startsWith('/') ? tailPath : `/${tailPath}`);
  target.search = tailQuery;
  if (binding.provider === 'google') target.searchParams.delete('key');
  out.host = base.hostname.replace(/^\[|\]$/g, '');
  out.port = Number(base.port || (base.protocol === 'https:' ? 443 : 80));

  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined && !AUTH_HEADERS.has(k) && !HOP.has(k)) headers[k] = v;
  headers.host = base.host;
  headers[info.header] = info.format(binding.secret);

  const lookup: LookupFunction = (hostname, options, cb) => {
    resolver.resolve(hostname).then(
      (addrs) => {
        const a = addrs[0];
        if (!a) return cb(new Error(`${hostname} does not resolve`), '', 4);
        out.address = a;
        if (options.all)
          (cb as unknown as (e: null, list: { address: string; family: number }[]) => void)(null, [
            { address: a, family: isIP(a) },
          ]);
        else cb(null, a, isIP(a));
      },
      (e: Error) => cb(e, '', 4),
    );
  };
  if (isIP(out.host)) out.address = out.host;
  const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const upstream = send(
      {
        protocol: base.protocol,
        hostname: out.host,
        port: out.port,
        method: req.method,
        path: target.pathname + target.search,
        headers,
        lookup,
        ca: binding.ca,
        servername: isIP(out.host) ? undefined : out.host,
        agent: false,
      },
      (up) => {
        out.status = up.statusCode ?? 502;
        const resHeaders = { ...up.headers };
        for (const h of ['connection', 'keep-alive', 'transfer-encoding']) delete resHeaders[h];
        res.writeHead(out.status, resHeaders);
        up.on('data', (d: Buffer) => (out.bytesDown += d.length));
        up.pipe(res);
        up.once('end', () => resolve(out));
        up.once('error', (e) => {
          out.error = e.message;
          res.destroy();
          resolve(out);
        });
      },
    );
    upstream.once('error', (e) => {
      out.error = e.message;
      out.status = 502;
      if (!res.headersSent)
        res
          .writeHead(502, { 'content-type': 'text/plain' })
          .end(`Paddock credential broker: upstream ${base.host} failed: ${e.message}\n`);
      else res.destroy();
      resolve(out);
    });
    req.on('data', (d: Buffer) => (out.bytesUp += d.length));
    req.pipe(upstream);
  });
}

function splitQuery(s: string): [string, string] {
  const q = s.indexOf('?');
  return q < 0 ? [s, ''] : [s.slice(0, q), s.slice(q)];
}
