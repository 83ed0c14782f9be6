import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';
import type { Node as TsNode } from 'web-tree-sitter';
import { PaddockError } from '../errors.js';

export type { TsNode };

let parser: Parser | null = null;
let initializing: Promise<void> | null = null;

/**
 * Load tree-sitter and the bash grammar (wasm) once per process. Everything else in the
 * policy engine is synchronous after this resolves.
 */
export function initPolicyEngine(options: { bashWasmPath?: string } = {}): Promise<void> {
  if (parser) return Promise.resolve();
  initializing ??= (async () => {
    await Parser.init();
    const wasm = options.bashWasmPath ?? createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm');
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

/** Parse a bash script; call `done()` on the result to free the wasm memory. */
export function parseBash(script: string): { root: TsNode; done: () => void } {
  if (!parser) throw new PaddockError('INTERNAL', 'policy engine not initialised: await initPolicyEngine() first');
  const tree = parser.parse(script);
  if (!tree) throw new PaddockError('INTERNAL', 'tree-sitter returned no tree');
  return { root: tree.rootNode, done: () => tree.delete() };
}
