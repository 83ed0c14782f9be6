import { createContext, useContext } from 'react';
import type { ApiClient } from '../../../electron/contract/index.js';

export const ClientContext = createContext<ApiClient | null>(null);

export function useClient(): ApiClient {
  const c = useContext(ClientContext);
  if (!c) throw new Error('useClient outside <ClientContext.Provider>');
  return c;
}
