import type { IncomingMessage, ServerResponse } from 'node:http';
import { recordResult, serveScripted, sseWriter } from './agent-scripted-http.js';
import type { ScriptedModel, ToolResultSeen } from './agent-scripted-http.js';

/**
 * A scripted stand-in for the OpenAI Responses API (what Codex speaks), on loopback. Each
 * request gets the next script step as a call to the shell tool Codex offers; the outputs Codex
 * sends back (`function_call_output`) are recorded per command.
 */
export async function startScriptedOpenAI(steps: string[]): Promise<ScriptedModel & { bodies: unknown[]; userTexts: string[] }> {
  const results: ToolResultSeen[] = [];
  /** Every user message text the model was sent (e.g. Paddock's steer messages), once each. */
  const userTexts: string[] = [];
  const bodies: unknown[] = [];
  const byCall = new Map<string, string>();
  let n = 0;

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    if (!req.url?.endsWith('/responses')) return res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"scripted"}}');
    const body = JSON.parse(raw) as { tools?: { name?: string; type?: string }[]; input?: { type?: string; role?: string; call_id?: string; output?: unknown; content?: unknown }[] };
    bodies.push(body);
    for (const item of body.input ?? []) {
      if (item.type !== 'message' || item.role !== 'user' || !Array.isArray(item.content)) continue;
      for (const c of item.content as { type?: string; text?: unknown }[])
        if (c.type === 'input_text' && typeof c.text === 'string' && !userTexts.includes(c.text)) userTexts.push(c.text);
    }
    let seen = 0;
    for (const item of body.input ?? []) {
      if (item.type !== 'function_call_output' && item.type !== 'custom_tool_call_output') continue;
      seen++;
      const command = byCall.get(item.call_id ?? '') ?? '?';
      const content = typeof item.output === 'string' ? item.output : JSON.stringify(item.output);
      recordResult(results, { command, content, isError: /denied|forbid|rejected|blocked/i.test(content) });
    }
    const id = `resp_${++n}`;
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const ev = sseWriter(res);
    ev('response.created', { response: { id } });
    const step = steps[seen];
    if (step === '!fail') {
      // A model error Codex does not retry: the turn fails.
      ev('response.failed', { response: { id, error: { code: 'invalid_prompt', message: 'scripted failure' } } });
      return res.end();
    }
    if (step !== undefined) {
      const callId = `call_${n}`;
      byCall.set(callId, step);
      // Codex 0.169 offers one custom tool, `exec` (JavaScript), whose nested tools include exec_command.
      // A step that is a patch (`*** Begin Patch …`) goes to the nested apply_patch tool instead.
      const call = step.startsWith('*** Begin Patch') ? `tools.apply_patch(${JSON.stringify(step)})` : `tools.exec_command({ cmd: ${JSON.stringify(step)}, tty: false, login: false })`;
      const js = `try { const r = await ${call}; text(JSON.stringify(r)); } catch (e) { text('ERROR: ' + String((e && e.message) || e)); }`;
      ev('response.output_item.done', { output_index: 0, item: { type: 'custom_tool_call', id: `ctc_${n}`, call_id: callId, name: 'exec', input: js } });
    } else {
      ev('response.output_item.done', { output_index: 0, item: { type: 'message', role: 'assistant', id: `msg_${n}`, content: [{ type: 'output_text', text: 'All steps done.' }] } });
    }
    ev('response.completed', { response: { id, usage: { input_tokens: 10, input_tokens_details: null, output_tokens: 5, output_tokens_details: null, total_tokens: 15 } } });
    res.end();
  };

  return { ...(await serveScripted(handle)), results, bodies, userTexts };
}
