import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The HTTP and SSE plumbing the scripted model servers share (agent-scripted-model.ts speaks the
 * Anthropic Messages API, agent-scripted-openai.ts the OpenAI Responses API): a server on
 * loopback that logs every request line and hands the whole body to the protocol's handler.
 */

/** One tool result the agent sent back to the model, with the command it answers. */
export interface ToolResultSeen {
  command: string;
  content: string;
  isError: boolean;
}

export interface ScriptedModel {
  url: string;
  results: ToolResultSeen[];
  requests: string[];
  close(): Promise<void>;
}

/** Records a tool result once per command (an agent resends the whole conversation each turn). */
export function recordResult(results: ToolResultSeen[], seen: ToolResultSeen): void {
  if (!results.some((r) => r.command === seen.command)) results.push(seen);
}

/** Writes server-sent events as both APIs stream them: `event: <type>`, and the data's JSON starts with the same `type`. */
export function sseWriter(res: ServerResponse): (type: string, data: Record<string, unknown>) => void {
  return (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
}

/** Starts an HTTP server on 127.0.0.1; every request is logged as `METHOD url` before `handle` gets its body. */
export async function serveScripted(
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<Pick<ScriptedModel, 'url' | 'requests' | 'close'>> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
