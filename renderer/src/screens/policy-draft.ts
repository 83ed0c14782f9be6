// The editor's draft is the layer's YAML text. The rule editor reads rules out of it and writes
// them back through yaml's Document API, so comments, order and everything it does not touch stay.
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, YAMLMap } from 'yaml';

export type CommandDecision = 'allow' | 'ask' | 'forbid';
export type NetworkDecision = 'allow' | 'ask' | 'deny';

export interface CommandRuleForm {
  id: string;
  decision: CommandDecision;
  pattern: string;
  justification: string;
  match: string[];
  notMatch: string[];
}

export interface NetworkRuleForm {
  id: string;
  host: string;
  /** "443" or "80, 443"; empty = any port. */
  ports: string;
  decision: NetworkDecision;
  justification: string;
}

export interface DraftItem<T> {
  index: number;
  form: T;
  /** 1-based lines the item spans in the text (for errors reported inside it). */
  startLine: number;
  endLine: number;
  /** What locks and merges key it by: `commands.rules.<id>`, `network.rules.<id or host:port>`. */
  key: string;
  /** Fields the form does not show (flags_any, methods, …): kept as they are on edit. */
  extra: string[];
}

export interface ParsedDraft {
  /** YAML syntax errors (the engine checks everything else on save). */
  errors: Array<{ line: number; col: number; message: string }>;
  commandRules: Array<DraftItem<CommandRuleForm>>;
  networkRules: Array<DraftItem<NetworkRuleForm>>;
}

const COMMAND_FIELDS = new Set(['id', 'decision', 'pattern', 'justification', 'examples']);
const NETWORK_FIELDS = new Set(['id', 'host', 'port', 'decision', 'justification']);

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return v === undefined || v === null ? '' : JSON.stringify(v);
}
function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(str) : [];
}

function parse(text: string): { doc: Document; lc: LineCounter } {
  const lc = new LineCounter();
  return { doc: parseDocument(text, { lineCounter: lc, prettyErrors: false }), lc };
}

export function parseDraft(text: string): ParsedDraft {
  const { doc, lc } = parse(text);
  const errors = doc.errors.map((e) => {
    const { line, col } = lc.linePos(e.pos[0]);
    return { line, col, message: e.message.split('\n')[0]! };
  });
  const items = <T>(
    path: string[],
    toForm: (o: Record<string, unknown>) => T,
    keyOf: (o: Record<string, unknown>) => string,
    known: Set<string>,
  ): Array<DraftItem<T>> => {
    if (errors.length > 0) return [];
    const seq: unknown = doc.getIn(path, true);
    if (!isSeq(seq)) return [];
    return seq.items.flatMap((node, index) => {
      if (!isMap(node)) return [];
      const o = node.toJSON() as Record<string, unknown>;
      const [start, , end] = node.range ?? [0, 0, 0];
      return [
        {
          index,
          form: toForm(o),
          key: keyOf(o),
          startLine: lc.linePos(start).line,
          endLine: lc.linePos(Math.max(start, end - 1)).line,
          extra: Object.keys(o).filter((k) => !known.has(k)),
        },
      ];
    });
  };
  return {
    errors,
    commandRules: items(
      ['commands', 'rules'],
      (o) => {
        const ex = (o.examples ?? {}) as Record<string, unknown>;
        return {
          id: str(o.id),
          decision: str(o.decision) as CommandDecision,
          pattern: str(o.pattern),
          justification: str(o.justification),
          match: strings(ex.match),
          notMatch: strings(ex.not_match),
        };
      },
      (o) => `commands.rules.${str(o.id)}`,
      COMMAND_FIELDS,
    ),
    networkRules: items(
      ['network', 'rules'],
      (o) => ({
        id: str(o.id),
        host: str(o.host),
        ports: Array.isArray(o.port) ? o.port.map(str).join(', ') : str(o.port),
        decision: str(o.decision) as NetworkDecision,
        justification: str(o.justification),
      }),
      (o) =>
        `network.rules.${o.id ? str(o.id) : `${str(o.host)}:${o.port === undefined ? '*' : String(o.port as string)}`}`,
      NETWORK_FIELDS,
    ),
  };
}

/** A fresh file for a layer that does not exist yet. */
export function starterText(layer: 'user' | 'project'): string {
  return layer === 'user'
    ? '# Your Paddock policy: it applies to every repository (docs/policy.md).\nversion: 1\n'
    : "# This repository's Paddock policy: it may only tighten (add ask/forbid rules, protect paths).\nversion: 1\n";
}

function edit(text: string, change: (doc: Document) => void): string {
  const { doc } = parse(text);
  if (doc.errors.length > 0) throw new Error('fix the YAML errors first (YAML tab)');
  if (!doc.has('version')) doc.set('version', 1);
  change(doc);
  return doc.toString({ lineWidth: 0 });
}

function setOrDelete(map: YAMLMap, key: string, value: unknown): void {
  if (value === undefined || value === '' || (Array.isArray(value) && value.length === 0)) map.delete(key);
  else map.set(key, value);
}

function ruleMap(doc: Document, path: string[], index: number | null): YAMLMap {
  let seq: unknown = doc.getIn(path, true);
  if (!isSeq(seq)) {
    doc.setIn(path, doc.createNode([]));
    seq = doc.getIn(path, true);
  }
  if (!isSeq(seq)) throw new Error(`${path.join('.')} is not a list`);
  const existing = index === null ? null : seq.items[index];
  if (isMap(existing)) return existing;
  const map = doc.createNode({}) as YAMLMap;
  seq.add(map);
  return map;
}

export function upsertCommandRule(text: string, index: number | null, r: CommandRuleForm): string {
  return edit(text, (doc) => {
    const map = ruleMap(doc, ['commands', 'rules'], index);
    setOrDelete(map, 'id', r.id.trim());
    setOrDelete(map, 'decision', r.decision);
    setOrDelete(map, 'pattern', r.pattern.trim());
    setOrDelete(map, 'justification', r.justification.trim());
    const match = r.match.map((s) => s.trim()).filter(Boolean);
    const notMatch = r.notMatch.map((s) => s.trim()).filter(Boolean);
    if (match.length === 0 && notMatch.length === 0) {
      map.delete('examples');
      return;
    }
    const examples = doc.createNode({
      ...(match.length ? { match } : {}),
      ...(notMatch.length ? { not_match: notMatch } : {}),
    }) as YAMLMap;
    for (const pair of examples.items) if (isSeq(pair.value)) pair.value.flow = true;
    map.set('examples', examples);
  });
}

/** "443" → 443, "80, 443" → [80, 443], "" → undefined; anything else is left for the engine to refuse. */
function ports(s: string): unknown {
  const parts = s.split(/[\s,]+/).filter(Boolean);
  if (parts.length === 0) return undefined;
  const nums = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return nums.length === 1 ? nums[0] : nums;
}

export function upsertNetworkRule(text: string, index: number | null, r: NetworkRuleForm): string {
  return edit(text, (doc) => {
    const map = ruleMap(doc, ['network', 'rules'], index);
    setOrDelete(map, 'id', r.id.trim());
    setOrDelete(map, 'host', r.host.trim());
    const port = ports(r.ports);
    if (Array.isArray(port)) {
      const node = doc.createNode(port);
      node.flow = true;
      map.set('port', node);
    } else setOrDelete(map, 'port', port);
    setOrDelete(map, 'decision', r.decision);
    setOrDelete(map, 'justification', r.justification.trim());
  });
}

export function deleteRule(text: string, kind: 'commands' | 'network', index: number): string {
  return edit(text, (doc) => {
    const seq: unknown = doc.getIn([kind, 'rules'], true);
    if (isSeq(seq)) seq.delete(index);
  });
}
