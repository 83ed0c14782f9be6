import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapResolver } from './egress-judge.js';
import { startEgressProxy, type EgressProxyHandle } from './egress-proxy.js';
import { CollectingSink, fakeHttpUpstream, type FakeUpstream } from './egress-test-kit.test-helper.js';
import { sandboxEnvFor } from './sandbox-env.js';

const SECRETS = {
  anthropic: 'sk-ant-REAL-0123456789',
  openai: 'sk-openai-REAL-abcdef',
  google: 'AIza-REAL-google',
};
let api: FakeUpstream;
let proxy: EgressProxyHandle;
const sink = new CollectingSink();

beforeAll(async () => {
  api = await fakeHttpUpstream();
  const base = `http://127.0.0.1:${api.port}`;
  proxy = await startEgressProxy({
    sessionId: 's-cred',
    listenHost: '127.0.0.1',
    rules: [],
    defaultDecision: 'deny',
    decider: null,
    events: sink,
    resolver: mapResolver({ 'api.fake.test': '127.0.0.1' }),
    credentials: [
      { provider: 'anthropic', secret: SECRETS.anthropic, upstream: base },
      { provider: 'openai', secret: SECRETS.openai, upstream: `http://api.fake.test:${api.port}/v1` },
      { provider: 'google', secret: SECRETS.google, upstream: base },
    ],
  });
});
afterAll(async () => {
  await proxy.close();
  await api.close();
});

function direct(
  path: string,
  headers: Record<string, string>,
  body = '',
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: proxy.port, method: body ? 'POST' : 'GET', path, headers, agent: false },
      (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: b }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('credential broker', () => {
  it('injects the Anthropic key as x-api-key, replacing the placeholder', async () => {
    const env = proxy.sandboxEnv();
    const base = new URL(env.ANTHROPIC_BASE_URL ?? '');
    const r = await direct(
      `${base.pathname}/v1/messages?beta=true`,
      { 'x-api-key': env.ANTHROPIC_API_KEY ?? '', 'content-type': 'application/json' },
      '{"hi":1}',
    );
    expect(r).toEqual({ status: 200, body: 'hello POST /v1/messages?beta=true' });
    const seen = api.seen.at(-1);
    expect(seen?.headers['x-api-key']).toBe(SECRETS.anthropic);
    expect(seen?.headers.host).toBe(`127.0.0.1:${api.port}`);
    expect(seen?.body).toBe('{"hi":1}');
  });

  it('injects OpenAI as a Bearer token under the bound base path, resolving the bound name', async () => {
    const env = proxy.sandboxEnv();
    const r = await direct(
      `${new URL(env.OPENAI_BASE_URL ?? '').pathname}/chat/completions`,
      { authorization: `Bearer ${env.OPENAI_API_KEY}` },
      '{}',
    );
    expect(r.status).toBe(200);
    expect(api.seen.at(-1)).toMatchObject({
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${SECRETS.openai}`, host: `api.fake.test:${api.port}` },
    });
  });

  it('injects Google as x-goog-api-key and drops a key= query parameter', async () => {
    const env = proxy.sandboxEnv();
    const r = await direct(
      `${new URL(env.GOOGLE_GEMINI_BASE_URL ?? '').pathname}/v1beta/models?key=${env.GEMINI_API_KEY}`,
      {},
    );
    expect(r.status).toBe(200);
    expect(api.seen.at(-1)).toMatchObject({
      url: '/v1beta/models',
      headers: { 'x-goog-api-key': SECRETS.google },
    });
  });

  it('404s an unknown credential name and logs every broker request', async () => {
    const r = await direct('/_paddock/cred/github/user', {});
    expect(r.status).toBe(404);
    const evs = await sink.waitFor(4);
    expect(evs.map((e) => [e.protocol, e.rule, e.decision])).toContainEqual([
      'credential',
      'credential:github',
      'deny',
    ]);
    expect(
      evs.filter((e) => e.decision === 'allow').every((e) => e.protocol === 'credential' && e.bytesDown > 0),
    ).toBe(true);
  });

  it('the sandbox env carries placeholders, base URLs and proxy settings, never a secret', () => {
    const env = proxy.sandboxEnv();
    const text = JSON.stringify(env);
    for (const s of Object.values(SECRETS)) expect(text).not.toContain(s);
    expect(env).toMatchObject({
      HTTP_PROXY: proxy.url,
      https_proxy: proxy.url,
      ALL_PROXY: `socks5h://127.0.0.1:${proxy.port}`,
      NO_PROXY: expect.stringContaining('127.0.0.1') as string,
      npm_config_https_proxy: proxy.url,
      PIP_PROXY: proxy.url,
      GIT_CONFIG_KEY_0: 'http.proxy',
      ANTHROPIC_API_KEY: 'paddock-placeholder-anthropic',
      ANTHROPIC_BASE_URL: `${proxy.url}/_paddock/cred/anthropic`,
      OPENAI_BASE_URL: `${proxy.url}/_paddock/cred/openai`,
    });
  });

  it('sandboxEnvFor brackets IPv6 hosts and embeds a SOCKS token', () => {
    const env = sandboxEnvFor({ proxyHost: 'fd00::1', proxyPort: 3128, socksToken: 't/k' });
    expect(env.HTTP_PROXY).toBe('http://[fd00::1]:3128');
    expect(env.ALL_PROXY).toBe('socks5h://paddock:t%2Fk@[fd00::1]:3128');
  });
});
