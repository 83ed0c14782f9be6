import type { EventName, ProcedureName, Result, Transport } from '../../../electron/contract/index.js';

/** The surface the Electron preload exposes as `window.paddock` (see electron/preload/preload-api.ts). */
export interface PreloadSurface {
  call: Record<string, (input: unknown) => Promise<Result<unknown>>>;
  on(name: string, listener: (payload: unknown) => void): () => void;
}

export function preloadSurface(): PreloadSurface | null {
  const g = globalThis as { paddock?: PreloadSurface };
  return g.paddock && typeof g.paddock.on === 'function' && typeof g.paddock.call === 'object' ? g.paddock : null;
}

/** The contract over Electron IPC, through the preload's one namespaced global. */
export function createIpcTransport(surface: PreloadSurface): Transport {
  return {
    call(name: ProcedureName, input: unknown) {
      const fn = surface.call[name];
      if (!fn) return Promise.resolve({ ok: false, error: { code: 'UNKNOWN_PROCEDURE', message: `the preload has no ${name}` } });
      return fn(input);
    },
    on(name: EventName, listener) {
      return surface.on(name, listener);
    },
  };
}
