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

/** A line break in a word that no backslash escapes: bash would have ended the word (and the command) there. */
function bareNewline(text: string): boolean {
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    let k = i;
    while (k > 0 && text[k - 1] === '\\') k--;
    if ((i - k) % 2 === 0) return true;
  }
  return false;
}

/**
 * Copy with as few wasm calls per node as possible (type id, start, end, moves). `misread`:
 * the grammar reported no error but read the line differently from bash: it glues a line
 * break into a word when the next line starts with a backslash (`echo ok⏎\rm -rf /` became
 * one `echo` command), and takes a command past a comment after assignments
 * (`A=1 B=2 # c⏎rm -rf /`). Such a tree is treated like one with errors.
 */
function copyTree(tree: Tree, src: string): { root: TsNode; misread: boolean } {
  const language = tree.language;
  const cur = tree.walk();
  let misread = false;
  try {
    const root = new TsNode(cur.nodeType, true, src.slice(cur.startIndex, cur.endIndex));
    const stack: TsNode[] = [root];
    if (!cur.gotoFirstChild()) return { root, misread };
    for (;;) {
      const t = typeOf(language, cur.nodeTypeId);
      const n = new TsNode(t.type, t.named, src.slice(cur.startIndex, cur.endIndex));
      const parent = stack[stack.length - 1]!;
      if ((t.type === 'word' && bareNewline(n.text)) || (t.type === 'comment' && parent.type === 'command')) misread = true;
      parent.children.push(n);
      if (cur.gotoFirstChild()) {
        stack.push(n);
        continue;
      }
      while (!cur.gotoNextSibling()) {
        if (!cur.gotoParent()) return { root, misread };
        stack.pop();
        if (stack.length === 0) return { root, misread };
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

/** Parse a bash script into plain nodes (the wasm tree is freed before returning). `hasError` includes a misread (copyTree). */
export function parseBash(script: string): { root: TsNode; hasError: boolean } {
  if (!parser) throw new PaddockError('INTERNAL', 'policy engine not initialised: await initPolicyEngine() first');
  const tree = parser.parse(script);
  if (!tree) throw new PaddockError('INTERNAL', 'tree-sitter returned no tree');
  try {
    const { root, misread } = copyTree(tree, script);
    return { root, hasError: misread || tree.rootNode.hasError };
  } finally {
    tree.delete();
  }
}
