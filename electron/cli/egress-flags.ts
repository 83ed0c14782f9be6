import { InvalidArgumentError } from 'commander';
import { credentialProvider, denyValue, allowValue } from '../engine/egress/egress-flags.js';
import { errorMessage, isPaddockError } from '../engine/errors.js';

// commander argParsers for the repeatable `--allow`, `--deny` and `--credential`: each value is
// checked as it is parsed (the engine's egress-flags.ts), so a bad one is reported by commander
// like any other bad flag value ("error: option '--allow <host|preset>' argument 'x y' is
// invalid. …", exit 1). What needs the run's environment (a provider's key) is checked in the
// run action.

/** Collect a value once `check` accepts it; its BAD_INPUT becomes commander's InvalidArgumentError. */
function collectChecked(check: (value: string) => unknown) {
  return (value: string, previous: string[] = []): string[] => {
    try {
      check(value);
    } catch (e) {
      if (isPaddockError(e) && e.code === 'BAD_INPUT') throw new InvalidArgumentError(errorMessage(e));
      throw e;
    }
    return [...previous, value];
  };
}

export const collectAllow = collectChecked(allowValue);
export const collectDeny = collectChecked(denyValue);
export const collectCredential = collectChecked(credentialProvider);
