import type { ApiHandlers, ProcedureName, Result } from './contract.js';
import { isProcedureName, procedures } from './contract.js';

/** The `code` of any thrown value (PaddockError and friends carry one), else INTERNAL. */
export function errorCode(e: unknown): string {
  const code = typeof e === 'object' && e !== null && 'code' in e ? e.code : undefined;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : 'INTERNAL';
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The single path every call takes, whatever the transport: the name must be in the contract,
 * the input is parsed with its zod schema, and the result is always the envelope.
 */
export async function dispatch(handlers: ApiHandlers, name: unknown, rawInput: unknown): Promise<Result<unknown>> {
  if (!isProcedureName(name)) return { ok: false, error: { code: 'UNKNOWN_PROCEDURE', message: `no procedure ${String(name).slice(0, 100)} in the contract` } };
  const parsed = procedures[name].input.safeParse(rawInput ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    return { ok: false, error: { code: 'BAD_INPUT', message: `${name}: ${issue?.message ?? 'invalid input'}${where}` } };
  }
  try {
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (e) {
    return { ok: false, error: { code: errorCode(e), message: message(e) } };
  }
}

export type { ProcedureName };
