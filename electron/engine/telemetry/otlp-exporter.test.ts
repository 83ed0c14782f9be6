import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { JournalRecorder } from '../journal/journal-recorder.js';
import { tempHome } from '../journal/journal-test-helpers.js';
import { verifySession } from '../journal/journal-verify.js';
import { SessionEventBus } from '../sessions/session-events.js';
import { OtlpEventExporter } from './otlp-exporter.js';

interface OtlpAttr {
  key: string;
  value: { stringValue?: string; intValue?: number | string; boolValue?: boolean; doubleValue?: number; arrayValue?: unknown };
}
interface OtlpLog {
  eventName?: string;
  severityText?: string;
  body?: { stringValue?: string };
  attributes: OtlpAttr[];
}
interface Payload {
  resourceLogs: { resource: { attributes: OtlpAttr[] }; scopeLogs: { logRecords: OtlpLog[] }[] }[];
}

/** A real OTLP/HTTP logs endpoint on loopback that parses what the SDK sends. */
async function collector(fail = 0): Promise<{ url: string; logs: OtlpLog[]; payloads: Payload[]; headers: Record<string, unknown>[]; server: Server }> {
  const logs: OtlpLog[] = [];
  const payloads: Payload[] = [];
  const headers: Record<string, unknown>[] = [];
  let failures = fail;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(503).end();
        return;
      }
      const p = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Payload;
      payloads.push(p);
      headers.push(req.headers);
      for (const rl of p.resourceLogs) for (const sl of rl.scopeLogs) logs.push(...sl.logRecords);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/logs`, logs, payloads, headers, server };
}

const attrs = (l: OtlpLog) => Object.fromEntries(l.attributes.map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.boolValue ?? a.value.doubleValue]));

let closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.reverse()) await c();
  closers = [];
});

function emitSession(bus: SessionEventBus, id: string): void {
  const emit = bus.emit.bind(bus) as (sid: string, kind: string, data: unknown) => void;
  emit(id, 'session.started', { repo: '/src/app', image: 'img', imageDigest: null, command: ['claude'], containerId: 'c' });
  emit(id, 'user.prompt', { prompt: 'my secret plan: delete prod' });
  emit(id, 'terminal.output', { data: 'not exported' });
  emit(id, 'policy.decision', { command: 'rm -rf /', decision: 'deny', rule: 'deny rm-root' });
  emit(id, 'tool.result', { exitCode: 0, durationMs: 12, outputBytes: 300 });
  emit(id, 'mcp.call', { server: 'fs', tool: 'read' });
  emit(id, 'network.decision', { host: 'registry.npmjs.org', port: 443, decision: 'allow', rule: 'preset:npm' });
  emit(id, 'approval.answer', { decision: 'approve', by: 'alice' });
  emit(id, 'session.ended', { exitCode: 0, reason: 'exited' });
}

describe('OtlpEventExporter', () => {
  it('sends one record per event to a real OTLP/HTTP endpoint, prompts redacted by default', async () => {
    const c = await collector();
    closers.push(() => void c.server.close());
    const ex = new OtlpEventExporter({ endpoint: c.url, headers: { 'x-paddock-token': 't0k' }, scheduledDelayMillis: 50 });
    closers.push(() => ex.shutdown());
    const bus = new SessionEventBus();
    ex.attach(bus);
    emitSession(bus, 's1');
    await ex.flush();
    const names = c.logs.map((l) => l.eventName ?? attrs(l)['event.name']);
    expect(names).toEqual(['paddock.session_start', 'paddock.user_prompt', 'paddock.tool_decision', 'paddock.tool_result', 'paddock.mcp_call', 'paddock.network_decision', 'paddock.approval', 'paddock.session_end']);
    const prompt = attrs(c.logs[1]!);
    expect(prompt['paddock.prompt']).toBe('[redacted]');
    expect(Number(prompt['paddock.prompt_length'])).toBe(27);
    expect(JSON.stringify(c.payloads)).not.toContain('secret plan');
    const deny = c.logs[2]!;
    expect(deny.severityText).toBe('WARN');
    expect(attrs(deny)).toMatchObject({ 'session.id': 's1', 'paddock.command': 'rm -rf /', 'paddock.rule': 'deny rm-root' });
    expect(attrs({ attributes: c.payloads[0]!.resourceLogs[0]!.resource.attributes })['service.name']).toBe('paddock');
    expect(c.headers[0]!['x-paddock-token']).toBe('t0k');
    expect(ex.stats()).toMatchObject({ emitted: 8, exported: 8, dropped: 0, queued: 0 });
  });

  it('exports prompt text when the policy says so', async () => {
    const c = await collector();
    closers.push(() => void c.server.close());
    const ex = new OtlpEventExporter({ endpoint: c.url, logPrompts: true, scheduledDelayMillis: 50 });
    closers.push(() => ex.shutdown());
    ex.handle({ sessionId: 's2', kind: 'user.prompt', time: Date.now(), data: { prompt: 'fix the tests' } as never });
    await ex.flush();
    expect(attrs(c.logs[0]!)['paddock.prompt']).toBe('fix the tests');
  });

  it('retries while the collector answers 503, then delivers', { timeout: 30_000 }, async () => {
    const c = await collector(2);
    closers.push(() => void c.server.close());
    const ex = new OtlpEventExporter({ endpoint: c.url, scheduledDelayMillis: 20, exportTimeoutMillis: 20_000 });
    closers.push(() => ex.shutdown());
    const bus = new SessionEventBus();
    ex.attach(bus);
    emitSession(bus, 's3');
    await ex.flush();
    expect(c.logs).toHaveLength(8);
    expect(ex.stats()).toMatchObject({ exported: 8, failed: 0 });
  });

  it('collector down: bounded queue, drops counted, the bus and the journal go on', { timeout: 30_000 }, async () => {
    // A loopback port with nothing listening.
    const c = await collector();
    const url = c.url;
    await new Promise((r) => c.server.close(r));
    const { home, cleanup } = tempHome();
    closers.push(cleanup);
    const ex = new OtlpEventExporter({ endpoint: url, maxQueueSize: 100, scheduledDelayMillis: 10, exportTimeoutMillis: 300 });
    const bus = new SessionEventBus();
    const rec = new JournalRecorder({ home });
    rec.attach(bus);
    ex.attach(bus);
    const emit = bus.emit.bind(bus) as (sid: string, kind: string, data: unknown) => void;
    for (let i = 0; i < 5000; i++) emit('down', 'policy.decision', { command: `echo ${i}`, decision: 'allow' });
    const s = ex.stats();
    expect(s.queued).toBeLessThanOrEqual(100);
    expect(s.emitted + s.dropped).toBe(5000);
    expect(s.dropped).toBeGreaterThanOrEqual(4900);
    await rec.close();
    expect(verifySession('down', { home })).toMatchObject({ ok: true, lastSeq: 5001 });
    await ex.flush();
    await ex.shutdown();
    expect(ex.stats().exported).toBe(0);
  });
});
