import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { JsonLinesRpc, RpcError } from './codex-rpc.js';
import type { RpcHandlers } from './codex-rpc.js';

function setup(over: Partial<RpcHandlers> = {}) {
  const out = new PassThrough();
  const sent: Record<string, unknown>[] = [];
  let buf = '';
  out.on('data', (c: Buffer) => {
    buf += c.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) sent.push(JSON.parse(l) as Record<string, unknown>);
  });
  const notes: [string, unknown][] = [];
  const problems: string[] = [];
  const rpc = new JsonLinesRpc(out, {
    onRequest: over.onRequest ?? (() => Promise.resolve({ ok: true })),
    onNotification: (m, p) => notes.push([m, p]),
    onProtocolError: (problem) => problems.push(problem),
  });
  const tick = () => new Promise((r) => setImmediate(r));
  return { rpc, sent, notes, problems, tick };
}

describe('JsonLinesRpc (codex app-server framing)', () => {
  it('sends requests as JSON lines without a jsonrpc field and matches responses by id, across chunk boundaries', async () => {
    const { rpc, sent, tick } = setup();
    const p = rpc.request('initialize', { clientInfo: { name: 'paddock', version: '1' } });
    await tick();
    expect(sent).toEqual([{ id: 1, method: 'initialize', params: { clientInfo: { name: 'paddock', version: '1' } } }]);
    const line = JSON.stringify({ id: 1, result: { codexHome: '/h' } });
    rpc.feed(line.slice(0, 10));
    rpc.feed(Buffer.from(`${line.slice(10)}\n`));
    await expect(p).resolves.toEqual({ codexHome: '/h' });
  });

  it('an error response rejects with the server message and code', async () => {
    const { rpc } = setup();
    const p = rpc.request('turn/start', {});
    rpc.feed(`${JSON.stringify({ id: 1, error: { code: -32600, message: 'bad thread' } })}\n`);
    await expect(p).rejects.toMatchObject({ message: 'turn/start: bad thread', code: -32600 });
  });

  it('notifications go to onNotification; server requests are answered with the handler result or an error', async () => {
    const { rpc, sent, notes, tick } = setup({
      onRequest: (method) => (method === 'ok' ? Promise.resolve({ decision: 'accept' }) : Promise.reject(new RpcError('no', -32601))),
    });
    rpc.feed('{"method":"turn/started","params":{"x":1}}\n{"id":"a","method":"ok","params":{}}\n{"id":7,"method":"nope"}\n');
    await tick();
    expect(notes).toEqual([['turn/started', { x: 1 }]]);
    expect(sent).toEqual([
      { id: 'a', result: { decision: 'accept' } },
      { id: 7, error: { code: -32601, message: 'no' } },
    ]);
  });

  it('garbage is reported and never answered: not JSON, arrays, unusable ids, unknown response ids', async () => {
    const { rpc, sent, problems, tick } = setup();
    rpc.feed('not json\n[1,2]\n{"id":{"x":1},"method":"item/commandExecution/requestApproval"}\n{"id":99,"result":{}}\n{"foo":1}\n\n');
    await tick();
    expect(problems).toEqual([
      'not JSON',
      'not a JSON-RPC message',
      'request item/commandExecution/requestApproval with an unusable id',
      'a response to an unknown request id 99',
      'a message with neither a method nor an id',
    ]);
    expect(sent).toEqual([]);
  });

  it('close fails open requests, and nothing is sent afterwards (not even a late answer)', async () => {
    let release: (v: unknown) => void = () => {};
    const { rpc, sent, tick } = setup({ onRequest: () => new Promise((r) => (release = r)) });
    const p = rpc.request('thread/start', {});
    rpc.feed('{"id":5,"method":"item/commandExecution/requestApproval","params":{}}\n');
    rpc.close('codex app-server exited');
    await expect(p).rejects.toThrow('thread/start: codex app-server exited');
    release({ decision: 'accept' });
    await tick();
    expect(sent.filter((m) => m.id === 5)).toEqual([]);
    await expect(rpc.request('x', {})).rejects.toThrow(/exited/);
  });

  it('a request times out when the server never answers', async () => {
    const { rpc } = setup();
    await expect(rpc.request('initialize', {}, 20)).rejects.toThrow(/no answer from codex app-server/);
  });
});
