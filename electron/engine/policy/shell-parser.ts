import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';
import type { Tree } from 'web-tree-sitter';
import { PaddockError } from '../errors.js';

/**
 * A syntax node copied out of tree-sitter's wasm memory in one cursor walk: reading fields of
 * web-tree-sitter's own nodes crosses into wasm on every access, which is most of the cost.
 * Field names and MISSING flags are not copied (a tree with MISSING nodes has `hasError`).
 */
export class TsNode {
  readonly children: TsNode[] = [];
  private named: TsNode[] | null = null;
  constructor(
    readonly type: string,
    readonly isNamed: boolean,
    readonly text: string,
  ) {}

  get namedChildren(): TsNode[] {
    return (this.named ??= this.children.filter((c) => c.isNamed));
  }

  namedChild(i: number): TsNode | null {
    return this.namedChildren[i] ?? null;
  }
}

const typeCache = new Map<number, { type: string; named: boolean }>();

function typeOf(language: Language, id: number): { type: string; named: boolean } {
  let t = typeCache.get(id);
  if (!t) {
    t = { type: language.types[id] ?? 'ERROR', named: language.nodeTypeIsNamed(id) };
    typeCache.set(id, t);
  }
  return t;
}

/** Copy with as few wasm calls per node as possible (type id, start, end, moves). */
function copyTree(tree: Tree, src: string): TsNode {
  const language = tree.language;
  const cur = tree.walk();
  try {
    const root = new TsNode(cur.nodeType, true, src.slice(cur.startIndex, cur.endIndex));
    const stack: TsNode[] = [root];
    if (!cur.gotoFirstChild()) return root;
    for (;;) {
      const t = typeOf(language, cur.nodeTypeId);
      const n = new TsNode(t.type, t.named, src.slice(cur.startIndex, cur.endIndex));
      stack[stack.length - 1]!.children.push(n);
      if (cur.gotoFirstChild()) {
        stack.push(n);
        continue;
      }
      while (!cur.gotoNextSibling()) {
        if (!cur.gotoParent()) return root;
        stack.pop();
        if (stack.length === 0) return root;
      }
    }
  } finally {
    cur.delete();
  }
}

let parser: Parser | null = null;
let initializing: Promise<void> | null = null;

/**
 * Load tree-sitter and the bash grammar (wasm) once per process. Everything else in the
 * policy engine is synchronous after this resolves.
 */
export function initPolicyEngine(options: { bashWasmPath?: string } = {}): Promise<void> {
  if (parser) return Promise.resolve();
  initializing ??= (async () => {
    const req = createRequire(import.meta.url);
    // Resolved through the package, not next to this file: the CLI runs from a bundle.
    const runtimeWasm = req.resolve('web-tree-sitter/tree-sitter.wasm');
    await Parser.init({ locateFile: () => runtimeWasm });
    const wasm = options.bashWasmPath ?? req.resolve('tree-sitter-bash/tree-sitter-bash.wasm');
    const language = await Language.load(wasm);
    const p = new Parser();
    p.setLanguage(language);
    parser = p;
  })().catch((e: unknown) => {
    initializing = null;
    throw new PaddockError('INTERNAL', `cannot load the bash grammar for the policy engine: ${String(e)}`, { cause: e });
  });
  return initializing;
}

export function isPolicyEngineReady(): boolean {
  return parser !== null;
}

/** Parse a bash script into plain nodes (the wasm tree is freed before returning). */
export function parseBash(script: string): { root: TsNode; hasError: boolean } {
  if (!parser) throw new PaddockError('INTERNAL', 'policy engine not initialised: await initPolicyEngine() first');
  const tree = parser.parse(script);
  if (!tree) throw new PaddockError('INTERNAL', 'tree-sitter returned no tree');
  try {
    return { root: copyTree(tree, script), hasError: tree.rootNode.hasError };
  } finally {
    tree.delete();
  }
}
