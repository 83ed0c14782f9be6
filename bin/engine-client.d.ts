// Types of bin/engine-client.js (the thin client of the warm engine), for the protocol test.
export const PROTOCOL_VERSION: number;
export const F: Record<string, number>;
export function encode(type: number, payload?: Buffer | string): Buffer;
export function decoder(): (chunk: Buffer) => Array<{ type: number; payload: Buffer }>;
export function engineSocket(env: NodeJS.ProcessEnv, cwd: string): string;
export type EngineRunResult =
  | { code: number; signal?: NodeJS.Signals; fallback?: undefined; lost?: undefined }
  | { fallback: string; quiet?: boolean; lost?: undefined }
  | { lost: string; fallback?: undefined };
export function runThroughEngine(opts: { buildIdFile: string; trace?: (m: string) => void }): Promise<EngineRunResult>;
