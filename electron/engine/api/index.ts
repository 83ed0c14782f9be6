// The contract's implementation over the headless engine, and the web bridge that serves it.
export { EngineApi, resolveRepo, type EngineApiOptions } from './engine-api.js';
export { TerminalBatcher, splitUtf8, type BatcherOptions } from './terminal-batcher.js';
