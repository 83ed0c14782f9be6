import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordResult, serveScripted, sseWriter } from './agent-scripted-http.js';
import type { ScriptedModel, ToolResultSeen } from './agent-scripted-http.js';

interface Block {
  type: string;
  id?: string;
  tool_use_id?: string;
  input?: { command?: string };
  content?: unknown;
  is_error?: boolean;
}

function textOf(c: unknown): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((b: { text?: string }) => b.text ?? '').join('');
  return JSON.stringify(c) ?? '';
}

/**
 * A scripted stand-in for the Anthropic Messages API, on loopback. Each main request (one that
 * offers tools) gets the next step of the script as a `Bash` tool call; once the script is done
 * it answers with text. Every tool result the agent sends back is recorded with its command, so
 * a test sees exactly what the agent was told (output, or the gate's reason for a denial).
 */
export async function startScriptedModel(steps: string[]): Promise<ScriptedModel> {
  const results: ToolResultSeen[] = [];
  const commandsById = new Map<string, string>();
  let ids = 0;

  const reply = (res: ServerResponse, stream: boolean, content: Block[], stop: string) => {
    const message = { id: `msg_${++ids}`, type: 'message', role: 'assistant', model: 'claude-scripted', content: [] as unknown[], stop_reason: null, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 1 } };
    if (!stream) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...message, content, stop_reason: stop }));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const ev = sseWriter(res);
    ev('message_start', { message });
    content.forEach((b, index) => {
      if (b.type === 'tool_use') {
        ev('content_block_start', { index, content_block: { type: 'tool_use', id: b.id, name: 'Bash', input: {} } });
        ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
      } else {
        ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
        ev('content_block_delta', { index, delta: { type: 'text_delta', text: (b as { text?: string }).text ?? '' } });
      }
      ev('content_block_stop', { index });
    });
    ev('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 5 } });
    ev('message_stop', {});
    res.end();
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string) => {
    if (!req.url?.includes('/v1/messages')) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"type":"error","error":{"type":"not_found_error","message":"scripted model"}}');
    if (req.url.includes('count_tokens')) return res.writeHead(200, { 'content-type': 'application/json' }).end('{"input_tokens":10}');
    const r = JSON.parse(body) as { stream?: boolean; tools?: { name: string }[]; messages: { role: string; content: string | Block[] }[] };
    const stream = r.stream === true;
    if (!r.tools?.some((t) => t.name === 'Bash')) return reply(res, stream, [{ type: 'text', text: 'ok' } as Block], 'end_turn');
    let seen = 0;
    for (const m of r.messages) {
      if (typeof m.content === 'string') continue;
      for (const b of m.content) {
        if (b.type !== 'tool_result') continue;
        seen++;
        const command = commandsById.get(b.tool_use_id ?? '') ?? '?';
        recordResult(results, { command, content: textOf(b.content), isError: b.is_error === true });
      }
    }
    const step = steps[seen];
    if (step === undefined) return reply(res, stream, [{ type: 'text', text: 'All steps done.' } as Block], 'end_turn');
    const id = `toolu_${seen + 1}_${ids}`;
    commandsById.set(id, step);
    reply(res, stream, [{ type: 'tool_use', id, input: { command: step, description: `step ${seen + 1}` } } as Block], 'tool_use');
  };

  return { ...(await serveScripted(handle)), results };
}
