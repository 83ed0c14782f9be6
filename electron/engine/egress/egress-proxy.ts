import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type Socket } from 'node:net';
import { PaddockError } from '../errors.js';
import type { SessionEventSink } from '../sessions/session-events.js';
import type { ApprovalDecider } from './approval-decider.js';
import { coalescingDecider, fixedDecider } from './approval-decider.js';
import type { CredentialBinding } from './credential-broker.js';
import { credentialName } from './credential-broker.js';
import './egress-events.js';
import type { JudgeContext, Resolver } from './egress-judge.js';
import { systemResolver } from './egress-judge.js';
import { hostPort, normaliseHost } from './host-normalise.js';
import { handleHttpRequest } from './http-forward.js';
import type { NetworkDecision, NetworkRule } from './network-rules.js';
import { RuleSet } from './network-rules.js';
import type { ProxyRuntime } from './proxy-runtime.js';
import { sandboxEnvFor } from './sandbox-env.js';
import type { SelfCheckResult } from './self-check.js';
import { judgeCanaries, liveSelfCheck } from './self-check.js';
import { handleConnect, handleSocks } from './tunnel-handlers.js';

export interface EgressProxyOptions {
  sessionId: string;
  /** The only address the proxy listens on: the session network's gateway (127.0.0.1 in unit tests). */
  listenHost: string;
  /** Default 0 (any free port). */
  listenPort?: number;
  rules: readonly NetworkRule[];
  /** Unmatched destinations: `deny` for unattended sessions, `ask` for interactive ones. */
  defaultDecision: NetworkDecision;
  decider: ApprovalDecider | null;
  events: SessionEventSink;
  resolver?: Resolver;
  credentials?: readonly CredentialBinding[];
  /** How long an ask may hold a connection before it is denied. Default 60 s. */
  askTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** When set, SOCKS5 clients must authenticate with this password (any user name). */
  socksToken?: string | null;
  /** An accepted client that has not started a request or SOCKS handshake by then is dropped. Default 30 s. */
  handshakeTimeoutMs?: number;
  /** Cap on simultaneous client connections (the sandbox cannot exhaust the host's sockets). Default 4096. */
  maxConnections?: number;
  /** Told when the proxy fails closed (self-check failed); it no longer accepts connections. */
  onFailClosed?: (reason: string) => void;
}

export interface EgressProxyHandle {
  readonly host: string;
  readonly port: number;
  /** `http://<host>:<port>` */
  readonly url: string;
  /** False once closed or failed closed. */
  readonly accepting: boolean;
  /** Swap the rule set atomically, then self-check; fails closed (and rejects) if the check fails. */
  reload(rules: readonly NetworkRule[], defaultDecision?: NetworkDecision): Promise<void>;
  selfCheck(): Promise<SelfCheckResult>;
  close(): Promise<void>;
  /** The environment for the sandbox container (proxy variables, placeholders, base URLs). */
  sandboxEnv(): Record<string, string>;
}

export async function startEgressProxy(opts: EgressProxyOptions): Promise<EgressProxyHandle> {
  const listenHost = normaliseHost(opts.listenHost);
  if (!listenHost)
    throw new PaddockError(
      'BAD_INPUT',
      `egress proxy listen address ${JSON.stringify(opts.listenHost)} is not an IP address`,
    );
  let rules = RuleSet.compile(opts.rules, opts.defaultDecision);
  const resolver = opts.resolver ?? systemResolver();
  const token = randomBytes(16).toString('hex');
  const credentials = new Map((opts.credentials ?? []).map((c) => [credentialName(c), c]));
  const decider = opts.decider ? coalescingDecider(opts.decider) : null;
  const sockets = new Set<Socket>();
  let accepting = true;
  let port = 0;
  const isSelfCheck = (req: IncomingMessage) =>
    req.headers['x-paddock-self-check'] === token && req.socket.remoteAddress === req.socket.localAddress;

  const rt: ProxyRuntime = {
    sessionId: opts.sessionId,
    isSelfCheck,
    judgeContext: (req: IncomingMessage | null): JudgeContext => {
      const selfCheck = req !== null && isSelfCheck(req);
      return {
        sessionId: opts.sessionId,
        rules, // the set current now; a reload never changes a request already being judged
        resolver,
        decider: selfCheck ? fixedDecider('allow') : decider,
        askTimeoutMs: opts.askTimeoutMs ?? 60_000,
        self: { addresses: new Set([listenHost]), port },
      };
    },
    connectTimeoutMs: opts.connectTimeoutMs ?? 10_000,
    listenHost,
    get port() {
      return port;
    },
    credentials,
    resolver,
    socksToken: opts.socksToken ?? null,
    emit: (e) => opts.events.emit(opts.sessionId, 'network.decision', e),
  };

  const http = createHttpServer({ requestTimeout: 0, headersTimeout: 30_000 });
  http.on('request', (req, res) => void handleHttpRequest(rt, req, res).catch(() => res.destroy()));
  http.on(
    'connect',
    (req: IncomingMessage, sock: Socket, head: Buffer) =>
      void handleConnect(rt, req, sock, head).catch(() => sock.destroy()),
  );
  http.on('clientError', (_e, sock: Socket) => sock.destroy());
  http.on('upgrade', (_req: IncomingMessage, sock: Socket) => {
    // Plain-HTTP upgrades (ws://) are not proxied; wss:// goes through CONNECT like any TLS.
    sock.end(
      'HTTP/1.1 501 Not Implemented\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nPaddock egress proxy: plain-HTTP upgrades (ws://) are not supported; use wss:// (CONNECT).\n',
    );
  });

  const server = createServer((sock) => {
    if (!accepting) return void sock.destroy();
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    sock.on('error', () => sock.destroy());
    // Until a protocol takes over, an idle client is dropped (HTTP then has its own headers
    // timeout; SOCKS clears this once its handshake is done; tunnels may idle as long as they like).
    sock.setTimeout(opts.handshakeTimeoutMs ?? 30_000, () => sock.destroy());
    sock.once('data', (first: Buffer) => {
      sock.pause();
      if (first[0] === 0x05) return void handleSocks(rt, sock, first).catch(() => sock.destroy());
      // Hand the socket to the HTTP parser and replay the bytes already read.
      sock.setTimeout(0);
      http.emit('connection', sock);
      sock.emit('data', first);
      sock.resume();
    });
  });
  server.maxConnections = opts.maxConnections ?? 4096;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(
        new PaddockError(
          'INTERNAL',
          `egress proxy cannot listen on ${hostPort(listenHost, opts.listenPort ?? 0)}: ${e.message}`,
          { cause: e },
        ),
      ),
    );
    server.listen({ host: listenHost, port: opts.listenPort ?? 0, exclusive: true }, resolve);
  });
  port = (server.address() as { port: number }).port;

  const stop = async () => {
    accepting = false;
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  };
  const failClosed = async (why: string) => {
    await stop();
    opts.onFailClosed?.(why);
    return new PaddockError(
      'INTERNAL',
      `egress self-check failed, the proxy stopped accepting connections (fail closed): ${why}`,
    );
  };
  const selfCheck = async (): Promise<SelfCheckResult> => {
    const failures = await judgeCanaries(rt.judgeContext(null), listenHost, port);
    const live = accepting
      ? await liveSelfCheck(listenHost, port, token)
      : 'proxy is not accepting connections';
    if (live) failures.push(live);
    return { ok: failures.length === 0, failures };
  };

  const first = await selfCheck();
  if (!first.ok) throw await failClosed(first.failures.join('; '));

  return {
    host: listenHost,
    get port() {
      return port;
    },
    url: `http://${hostPort(listenHost, port)}`,
    get accepting() {
      return accepting;
    },
    async reload(next, defaultDecision) {
      if (!accepting) throw new PaddockError('INTERNAL', 'egress proxy is closed; start a new one');
      const candidate = RuleSet.compile(next, defaultDecision ?? rules.defaultDecision); // throws BAD_INPUT, old set stays
      const pre = await judgeCanaries({ ...rt.judgeContext(null), rules: candidate }, listenHost, port);
      if (pre.length > 0) throw await failClosed(pre.join('; '));
      rules = candidate; // one reference swap: no gap, no half-applied set
      const after = await selfCheck();
      if (!after.ok) throw await failClosed(after.failures.join('; '));
    },
    selfCheck,
    close: stop,
    sandboxEnv: () =>
      sandboxEnvFor({
        proxyHost: listenHost,
        proxyPort: port,
        credentials: opts.credentials,
        socksToken: opts.socksToken ?? null,
      }),
  };
}
