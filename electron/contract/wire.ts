/** Messages of the WebSocket bridge (`paddock serve`): the contract over one socket. */
import { z } from 'zod';

export const ClientMessageSchema = z.object({
  t: z.literal('call'),
  id: z.number().int().nonnegative(),
  name: z.string().max(100),
  input: z.unknown(),
});
export type ClientMessage = z.infer<typeof ClientMessageSchema>;

export type ServerMessage =
  | { t: 'result'; id: number; result: { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } } }
  | { t: 'event'; name: string; payload: unknown };

/** Largest client message accepted (a big paste into a terminal fits). */
export const MAX_CLIENT_MESSAGE = 2 * 1024 * 1024;
