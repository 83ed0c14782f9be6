// Loopback-only fixtures for the egress unit tests.
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, createServer, type Server as NetServer, type Socket } from 'node:net';
import type {
  SessionEvent,
  SessionEventKind,
  SessionEventMap,
  SessionEventSink,
} from '../sessions/session-events.js';
import type { NetworkDecisionEvent } from './egress-events.js';

export class CollectingSink implements SessionEventSink {
  readonly events: SessionEvent[] = [];
  emit<K extends SessionEventKind>(sessionId: string, kind: K, data: SessionEventMap[K]): void {
    this.events.push({ sessionId, kind, time: Date.now(), data });
  }
  /** Decisions about client traffic (the proxy's own self-check ones left out). */
  decisions(): NetworkDecisionEvent[] {
    return this.all().filter((e) => e.client !== 'paddock-self-check');
  }
  all(): NetworkDecisionEvent[] {
    return this.events
      .filter((e) => e.kind === 'network.decision')
      .map((e) => e.data as NetworkDecisionEvent);
  }
  /** Wait until `n` decisions have been emitted (events come when an exchange ends). */
  async waitFor(n: number): Promise<NetworkDecisionEvent[]> {
    for (let i = 0; i < 400 && this.decisions().length < n; i++) await new Promise((r) => setTimeout(r, 5));
    return this.decisions();
  }
}

export interface FakeUpstream {
  port: number;
  seen: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

/** A stand-in for "a host on the internet", on 127.0.0.1. */
export async function fakeHttpUpstream(): Promise<FakeUpstream> {
  const seen: FakeUpstream['seen'] = [];
  const server: Server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/redirect') return void res.writeHead(302, { location: 'http://denied.test/' }).end();
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`hello ${req.method} ${req.url}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A raw TCP upstream that records what arrived (for tunnels) and greets first. */
export async function fakeTcpUpstream(): Promise<{
  port: number;
  received: () => Buffer;
  close(): Promise<void>;
}> {
  const chunks: Buffer[] = [];
  const server: NetServer = createServer((s) => {
    s.on('error', () => {});
    s.write('220 greetings\r\n');
    s.on('data', (d: Buffer) => chunks.push(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    received: () => Buffer.concat(chunks),
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.unref();
      }),
  };
}

/** Send raw bytes to host:port and collect everything until the peer closes (or `untilText` appears). */
export function rawExchange(
  port: number,
  data: string | Buffer,
  untilText?: string,
  host = '127.0.0.1',
): Promise<{ text: string; socket: Socket }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, host);
    let text = '';
    s.on('error', reject);
    s.on('connect', () => s.write(data));
    s.on('data', (d: Buffer) => {
      text += d.toString('latin1');
      if (untilText && text.includes(untilText)) resolve({ text, socket: s });
    });
    s.on('close', () => resolve({ text, socket: s }));
  });
}

/**
 * A network decision as the proxy records one: a CONNECT to registry.npmjs.org:443 (104.16.0.1)
 * from the sandbox, allowed by the npm preset's rule; `over` changes any field.
 */
export function npmDecision(over: Partial<NetworkDecisionEvent> = {}): NetworkDecisionEvent {
  return {
    client: '10.0.0.2:4000',
    protocol: 'connect',
    method: 'CONNECT',
    host: 'registry.npmjs.org',
    port: 443,
    address: '104.16.0.1',
    rule: 'rule #1 (preset:npm): allow registry.npmjs.org port 443',
    ruleDecision: 'allow',
    decision: 'allow',
    reason: 'rule',
    bytesUp: 10,
    bytesDown: 20,
    durationMs: 5,
    startedAt: 1_700_000_000_500,
    ...over,
  };
}
