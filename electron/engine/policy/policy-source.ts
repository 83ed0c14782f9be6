import { createHash } from 'node:crypto';
import { isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { PaddockError } from '../errors.js';
import { PolicyFileSchema } from './policy-schema.js';
import type { PolicyFile } from './policy-schema.js';
import type { LayerName, SourceRef } from './policy-types.js';

export type YamlPath = readonly (string | number)[];

/** One parsed policy file: validated data plus a way back from any path to its file:line:col. */
export interface PolicySource {
  layer: LayerName;
  file: string;
  text: string;
  sha256: string;
  data: PolicyFile;
  /** The position of the node at `path` (or of its closest existing ancestor). */
  at(path: YamlPath): SourceRef;
}

export function policyError(ref: SourceRef, message: string, code: 'POLICY_INVALID' | 'POLICY_LOOSENING' = 'POLICY_INVALID'): PaddockError {
  return new PaddockError(code, `${ref.file}:${ref.line}:${ref.col}: ${message}`);
}

function pathText(path: YamlPath): string {
  return path.length === 0 ? '(top level)' : path.map((p) => (typeof p === 'number' ? `[${p}]` : p)).join('.').replace(/\.\[/g, '[');
}

/** Parse and validate one policy file. Throws POLICY_INVALID with file:line:col on any problem. */
export function readPolicySource(layer: LayerName, file: string, text: string): PolicySource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const refAt = (offset: number): SourceRef => {
    const { line, col } = lineCounter.linePos(offset);
    return { layer, file, line, col };
  };
  const firstError = doc.errors[0];
  if (firstError) {
    throw policyError(refAt(firstError.pos[0]), `not valid YAML: ${firstError.message.split('\n')[0]}`);
  }
  const nodeAt = (path: YamlPath): YamlNode | null => locate(doc, path);
  const at = (path: YamlPath): SourceRef => {
    for (let n = path.length; n >= 0; n--) {
      const node = nodeAt(path.slice(0, n));
      if (node?.range) return refAt(node.range[0]);
    }
    return refAt(0);
  };
  const raw: unknown = doc.toJS() ?? {};
  const parsed = PolicyFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      const key = issue.keys[0] ?? '';
      const keyRef = keyPosition(doc, path, key, refAt) ?? at(path);
      throw policyError(keyRef, `${pathText([...path, key])}: unknown key; expected one of: ${knownKeys(raw, path)}`);
    }
    if (issue.code === 'invalid_key') {
      const inner = (issue as { issues?: { message: string }[] }).issues?.[0]?.message ?? issue.message;
      throw policyError(at(path), `${pathText(path)}: ${inner}`);
    }
    const missing = readIn(raw, path) === undefined;
    const where = missing ? at(path.slice(0, -1)) : at(path);
    const what = missing ? `missing required key "${String(path[path.length - 1])}"` : issue.message;
    throw policyError(where, `${pathText(path)}: ${what}`);
  }
  const sha256 = createHash('sha256').update(text).digest('hex');
  return { layer, file, text, sha256, data: parsed.data, at };
}

function locate(doc: Document, path: YamlPath): YamlNode | null {
  if (path.length === 0) return (doc.contents) ?? null;
  const node: unknown = doc.getIn(path, true);
  return node && typeof node === 'object' && 'range' in node ? (node as YamlNode) : null;
}

function keyPosition(doc: Document, path: YamlPath, key: string, refAt: (o: number) => SourceRef): SourceRef | null {
  const map = locate(doc, path);
  if (!isMap(map)) return null;
  for (const pair of map.items) {
    if (isPair(pair) && isScalar(pair.key) && pair.key.value === key && pair.key.range) return refAt(pair.key.range[0]);
  }
  return null;
}

function readIn(raw: unknown, path: YamlPath): unknown {
  let cur = raw;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

/** The keys the schema accepts at `path`, for "expected one of" messages. */
function knownKeys(_raw: unknown, path: YamlPath): string {
  let schema: unknown = PolicyFileSchema;
  for (const p of path) {
    schema = unwrapSchema(schema);
    if (typeof p === 'number') schema = (schema as { element?: unknown }).element;
    else {
      const s = schema as { shape?: Record<string, unknown>; valueType?: unknown };
      schema = s.shape ? s.shape[p] : s.valueType; // records (projects.<repo>) have a value type
    }
  }
  const shape = (unwrapSchema(schema) as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape ? Object.keys(shape).join(', ') : '(see `paddock policy schema`)';
}

function unwrapSchema(s: unknown): unknown {
  let cur = s as { unwrap?: () => unknown; def?: { type?: string } } | undefined;
  while (cur && typeof cur.unwrap === 'function' && cur.def?.type === 'optional') cur = cur.unwrap() as typeof cur;
  return cur;
}
