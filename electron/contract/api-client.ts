import type { EventName, EventPayload, ProcedureInput, ProcedureName, ProcedureOutput, Result } from './contract.js';

/** How a client reaches an implementation: Electron IPC, WebSocket, or in memory. */
export interface Transport {
  call(name: ProcedureName, input: unknown): Promise<Result<unknown>>;
  /** Listen to one contract event; returns the unsubscribe function. */
  on(name: EventName, listener: (payload: unknown) => void): () => void;
  /** Connection state changes (WebSocket); in-memory and IPC transports stay 'open'. */
  onStatus?(listener: (status: TransportStatus) => void): () => void;
}

export type TransportStatus = 'connecting' | 'open' | 'closed';

/** A failed call, keeping the error code from the engine. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What the renderer talks to, and nothing else. */
export interface ApiClient {
  call<K extends ProcedureName>(name: K, input: ProcedureInput<K>): Promise<ProcedureOutput<K>>;
  on<K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void): () => void;
  onStatus(listener: (status: TransportStatus) => void): () => void;
}

export function createApiClient(transport: Transport): ApiClient {
  return {
    async call(name, input) {
      const r = await transport.call(name, input);
      if (!r.ok) throw new ApiCallError(r.error.code, r.error.message);
      return r.value as never;
    },
    on(name, listener) {
      return transport.on(name, listener as (payload: unknown) => void);
    },
    onStatus(listener) {
      return transport.onStatus?.(listener) ?? (() => {});
    },
  };
}
