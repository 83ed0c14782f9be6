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

/** A backtick in a backtick substitution's body that no backslash escapes: bash ends the substitution there. */
function innerBacktick(text: string): boolean {
  for (let i = 1; i < text.length - 1; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '`') return true;
  }
  return false;
}

/** A node that ends the command it is in where bash would not (see copyTree's `misread`). */
function misreads(type: string, text: string, parentType: string): boolean {
  return (
    (type === 'word' && bareNewline(text)) ||
    (type === 'comment' && parentType === 'command') ||
    (type === 'command_substitution' && text.startsWith('`') && innerBacktick(text)) ||
    // bash ends a here-document's delimiter at `;`, `&`, `|`, `(`, `)`, `<`, `>`: `cat <<EOF; rm -rf /`
    // runs `rm` after the body, where the grammar takes `EOF;` for the delimiter.
    (type === 'heredoc_start' && /[;&|()<>]/.test(text))
  );
}

/**
 * Two parts of a command separated only by line continuations (`A=1\⏎true rm -rf /`): bash
 * removes them and reads one word (`A=1true`, so `rm` is the program), where the grammar ends
 * the assignment at the backslash.
 */
function gluedWords(parentType: string, src: string, previousEnd: number, start: number): boolean {
  return WORD_PARENTS.has(parentType) && previousEnd >= 0 && start > previousEnd && src.slice(previousEnd, start).replaceAll('\\\n', '') === '';
}
const WORD_PARENTS = new Set(['command', 'variable_assignments', 'declaration_command', 'unset_command']);

/**
 * A line break between two parts of one command that no backslash escapes: the grammar took the
 * next line into the command (after a pipeline of three or more stages it reads `a | b | c⏎rm
 * -rf / > f` as `c rm -rf /`), where bash ends the command at the line break. `inTest`: the
 * parts are inside a `[ … ]` test, which is a command to bash too, while the grammar reads it
 * across lines (`[ ⏎rm -rf / ]` as one test; bash runs `[`, then `rm -rf / ]`). A redirection
 * whose target is on the next line is a syntax error to bash (`echo x >⏎rm -rf /`), and one
 * that a shell reading line by line reports before it runs the next line as a command.
 */
function gluedLine(parentType: string, inTest: boolean, src: string, previousEnd: number, start: number): boolean {
  return (inTest || GLUED_PARENTS.has(parentType)) && previousEnd >= 0 && start > previousEnd && bareNewline(src.slice(previousEnd, start));
}
const GLUED_PARENTS = new Set(['command', 'file_redirect', 'herestring_redirect', 'variable_assignment']);

/** Nodes whose own lines are bash's to split as usual, even inside a `[ … ]` test. */
const OWN_LINES = new Set(['command_substitution', 'process_substitution', 'string', 'raw_string', 'heredoc_body']);

/** Whether the children of `n` are parts of a single-bracket test (see gluedLine); `outer`: its parent's answer. */
function partsOfTest(n: TsNode, outer: boolean): boolean {
  if (n.type === 'test_command') return n.text.startsWith('[') && !n.text.startsWith('[[');
  return outer && !OWN_LINES.has(n.type);
}

/**
 * Copy through web-tree-sitter's cursor API (the fallback when the raw calls below are not
 * available). `misread`: the grammar reported no error but read the line differently from
 * bash: it glues a line break into a word when the next line starts with a backslash
 * (`echo ok⏎\rm -rf /` became one `echo` command), reads two backtick substitutions with a
 * blank between them as one (`` `ls` `rm -rf /` `` as a command `ls` `rm`), takes a command past a comment after
 * assignments (`A=1 B=2 # c⏎rm -rf /`), and takes the next line into the last command of a
 * long pipeline (`gluedLine`). Such a tree is treated like one with errors.
 */
function copyTreeApi(tree: Tree, src: string): { root: TsNode; misread: boolean } {
  const language = tree.language;
  const cur = tree.walk();
  let misread = false;
  try {
    const root = new TsNode(cur.nodeType, true, src.slice(cur.startIndex, cur.endIndex));
    const stack: TsNode[] = [root];
    const ends: number[] = [-1]; // per level: where the last child seen there ends
    const tests: boolean[] = [false]; // per level: its children are parts of a `[ … ]` test
    if (!cur.gotoFirstChild()) return { root, misread };
    for (;;) {
      const t = typeOf(language, cur.nodeTypeId);
      const start = cur.startIndex;
      const end = cur.endIndex;
      const n = new TsNode(t.type, t.named, src.slice(start, end));
      const parent = stack[stack.length - 1]!;
      if (misreads(t.type, n.text, parent.type) || gluedLine(parent.type, tests[tests.length - 1]!, src, ends[ends.length - 1]!, start) || gluedWords(parent.type, src, ends[ends.length - 1]!, start)) misread = true;
      ends[ends.length - 1] = end;
      parent.children.push(n);
      if (cur.gotoFirstChild()) {
        tests.push(partsOfTest(n, tests[tests.length - 1]!));
        stack.push(n);
        ends.push(-1);
        continue;
      }
      while (!cur.gotoNextSibling()) {
        if (!cur.gotoParent()) return { root, misread };
        stack.pop();
        ends.pop();
        tests.pop();
        if (stack.length === 0) return { root, misread };
      }
    }
  } finally {
    cur.delete();
  }
}

/**
 * The exported C functions of web-tree-sitter's wasm module that the cursor API wraps. Each
 * takes the tree's address and works on the cursor (or node) held in the module's transfer
 * buffer: a `goto…` writes the moved cursor back there. Called directly, a walk keeps the
 * cursor in that buffer throughout, instead of copying its four words in and out of JS around
 * every call as the wrappers do (that marshalling was most of the copy's cost). The module
 * object is the options object given to `Parser.init` (emscripten fills it in); `initPolicyEngine`
 * checks every function is there and otherwise keeps to the cursor API.
 */
interface RawTreeApi {
  _ts_tree_root_node_wasm(tree: number): void;
  _ts_node_has_error_wasm(tree: number): number;
  _ts_tree_cursor_new_wasm(tree: number): void;
  _ts_tree_cursor_delete_wasm(tree: number): void;
  _ts_tree_cursor_current_node_type_id_wasm(tree: number): number;
  _ts_tree_cursor_start_index_wasm(tree: number): number;
  _ts_tree_cursor_end_index_wasm(tree: number): number;
  _ts_tree_cursor_goto_first_child_wasm(tree: number): number;
  _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number;
  _ts_tree_cursor_goto_parent_wasm(tree: number): number;
}
const RAW_FUNCTIONS: readonly (keyof RawTreeApi)[] = [
  '_ts_tree_root_node_wasm',
  '_ts_node_has_error_wasm',
  '_ts_tree_cursor_new_wasm',
  '_ts_tree_cursor_delete_wasm',
  '_ts_tree_cursor_current_node_type_id_wasm',
  '_ts_tree_cursor_start_index_wasm',
  '_ts_tree_cursor_end_index_wasm',
  '_ts_tree_cursor_goto_first_child_wasm',
  '_ts_tree_cursor_goto_next_sibling_wasm',
  '_ts_tree_cursor_goto_parent_wasm',
];

/**
 * The same copy as `copyTreeApi` (and `hasError` of the root) through the raw calls: about
 * five wasm calls per node and no marshalling. Synchronous from the first call to the cursor's
 * delete, so nothing else can use the transfer buffer in between (`typeOf` on a cache miss reads
 * `language.types` and calls `ts_language_type_is_named_wasm`, which does not touch it).
 */
function copyTreeRaw(raw: RawTreeApi, tree: Tree, src: string): { root: TsNode; misread: boolean; hasError: boolean } {
  const language = tree.language;
  const t = (tree as unknown as { 0: number })[0];
  if (typeof t !== 'number' || t === 0) throw new PaddockError('INTERNAL', 'tree-sitter tree has no address');
  raw._ts_tree_root_node_wasm(t);
  const hasError = raw._ts_node_has_error_wasm(t) === 1;
  raw._ts_tree_cursor_new_wasm(t); // from the root node still in the buffer
  let misread = false;
  try {
    const rt = typeOf(language, raw._ts_tree_cursor_current_node_type_id_wasm(t));
    const root = new TsNode(rt.type, true, src.slice(raw._ts_tree_cursor_start_index_wasm(t), raw._ts_tree_cursor_end_index_wasm(t)));
    const stack: TsNode[] = [root];
    const ends: number[] = [-1]; // per level: where the last child seen there ends
    const tests: boolean[] = [false]; // per level: its children are parts of a `[ … ]` test
    if (raw._ts_tree_cursor_goto_first_child_wasm(t) !== 1) return { root, misread, hasError };
    let parent = root;
    for (;;) {
      const ty = typeOf(language, raw._ts_tree_cursor_current_node_type_id_wasm(t));
      const start = raw._ts_tree_cursor_start_index_wasm(t);
      const end = raw._ts_tree_cursor_end_index_wasm(t);
      const n = new TsNode(ty.type, ty.named, src.slice(start, end));
      if (misreads(ty.type, n.text, parent.type) || gluedLine(parent.type, tests[tests.length - 1]!, src, ends[ends.length - 1]!, start) || gluedWords(parent.type, src, ends[ends.length - 1]!, start)) misread = true;
      ends[ends.length - 1] = end;
      parent.children.push(n);
      if (raw._ts_tree_cursor_goto_first_child_wasm(t) === 1) {
        tests.push(partsOfTest(n, tests[tests.length - 1]!));
        stack.push(n);
        ends.push(-1);
        parent = n;
        continue;
      }
      while (raw._ts_tree_cursor_goto_next_sibling_wasm(t) !== 1) {
        if (raw._ts_tree_cursor_goto_parent_wasm(t) !== 1) return { root, misread, hasError };
        stack.pop();
        ends.pop();
        tests.pop();
        if (stack.length === 0) return { root, misread, hasError };
        parent = stack[stack.length - 1]!;
      }
    }
  } finally {
    raw._ts_tree_cursor_delete_wasm(t);
  }
}

let parser: Parser | null = null;
let rawApi: RawTreeApi | null = null;
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
    const moduleOptions: Record<string, unknown> = { locateFile: () => runtimeWasm };
    await Parser.init(moduleOptions as Parameters<typeof Parser.init>[0]);
    // Filled in only if this call loaded the module (not if something else in the process did first).
    if (RAW_FUNCTIONS.every((f) => typeof moduleOptions[f] === 'function')) rawApi = moduleOptions as unknown as RawTreeApi;
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
export function parseBash(script: string, deadline?: number): { root: TsNode; hasError: boolean; timedOut?: true } {
  return parseBashWith(script, rawApi !== null, deadline);
}

/** Which copy `parseBash` uses: the raw calls (`true`) or the cursor API. */
export function rawCopyAvailable(): boolean {
  return rawApi !== null;
}

/**
 * `parseBash` with the copy chosen (`raw`: the direct calls, which must be available); the tests
 * compare the two. `deadline` (a `performance.now()` time): the parse is cancelled once it has
 * passed, and `timedOut` set. The grammar's error recovery takes quadratic time on some input
 * (`$((a)(a)(a)…` of 6 KB: over a second), and a gate must not be held up by a crafted line.
 */
export function parseBashWith(script: string, raw: boolean, deadline?: number): { root: TsNode; hasError: boolean; timedOut?: true } {
  if (!parser) throw new PaddockError('INTERNAL', 'policy engine not initialised: await initPolicyEngine() first');
  if (raw && !rawApi) throw new PaddockError('INTERNAL', 'the direct tree-sitter calls are not available in this process');
  const tree = deadline === undefined ? parser.parse(script) : parser.parse(script, null, { progressCallback: () => performance.now() > deadline });
  if (!tree) {
    // A cancelled parse would otherwise resume on the next call, whatever its text.
    parser.reset();
    if (deadline !== undefined && performance.now() > deadline) return { root: new TsNode('program', true, script), hasError: true, timedOut: true };
    throw new PaddockError('INTERNAL', 'tree-sitter returned no tree');
  }
  try {
    if (raw) {
      const { root, misread, hasError } = copyTreeRaw(rawApi!, tree, script);
      return { root, hasError: misread || hasError };
    }
    const { root, misread } = copyTreeApi(tree, script);
    return { root, hasError: misread || tree.rootNode.hasError };
  } finally {
    tree.delete();
  }
}
