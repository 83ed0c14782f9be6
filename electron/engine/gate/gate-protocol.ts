/**
 * The gate's wire protocol, version 1 (POST /v1/check, JSON both ways):
 *
 *   → {"v":1,"kind":"command","command":"git push","cwd":"/workspace"}
 *   → {"v":1,"kind":"tool","tool":"Write","input":{"file_path":"a.txt"},"cwd":"/workspace"}
 *   ← {"v":1,"decision":"allow"|"deny","reason":"…","rule":"id (file:line)","policy":"allow"|"ask"|"forbid"}
 *
 * `ask` never crosses the wire: the gate holds the request until the approvals broker answers
 * (or its timeout denies). Anything else — an unknown version, a malformed body, no answer —
 * is a deny on the client's side.
 */
export type GateRequest =
  | { v: 1; kind: 'command'; command: string; cwd?: string }
  | { v: 1; kind: 'tool'; tool: string; input: unknown; cwd?: string };

export interface GateResponse {
  v: 1;
  decision: 'allow' | 'deny';
  reason: string;
  rule?: string;
  policy?: 'allow' | 'ask' | 'forbid';
}

export function parseGateRequest(x: unknown): { ok: true; value: GateRequest } | { ok: false; error: string } {
  if (typeof x !== 'object' || x === null) return { ok: false, error: 'expected a JSON object' };
  const o = x as Record<string, unknown>;
  if (o.v !== 1) return { ok: false, error: `unsupported protocol version ${JSON.stringify(o.v)}; this gate speaks v1` };
  const cwd = typeof o.cwd === 'string' && o.cwd.startsWith('/') ? o.cwd : undefined;
  if (o.kind === 'command') {
    if (typeof o.command !== 'string') return { ok: false, error: 'kind "command" needs a string "command"' };
    return { ok: true, value: { v: 1, kind: 'command', command: o.command, ...(cwd ? { cwd } : {}) } };
  }
  if (o.kind === 'tool') {
    if (typeof o.tool !== 'string' || !o.tool) return { ok: false, error: 'kind "tool" needs a string "tool"' };
    return { ok: true, value: { v: 1, kind: 'tool', tool: o.tool, input: o.input ?? null, ...(cwd ? { cwd } : {}) } };
  }
  return { ok: false, error: 'expected kind "command" or "tool"' };
}
