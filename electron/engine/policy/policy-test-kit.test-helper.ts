// Shared by the policy-loading unit tests (policy-layers, policy-presets, approvals/project-rules).
import { writeFileSync } from 'node:fs';
import { isPaddockError } from '../errors.js';

/** Writes a policy file: `version: 1`, then `body`. */
export function writePolicy(file: string, body: string): void {
  writeFileSync(file, `version: 1\n${body}`);
}

/** The Paddock error a policy load is refused with; throws when the load succeeds or fails some other way. */
export async function refusal(load: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await load;
  } catch (e) {
    if (isPaddockError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected the policy to be refused');
}
