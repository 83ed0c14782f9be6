import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StartOptionsSchema } from '../../contract/contract-schemas.js';
import { startOptions } from './start-options.js';

let home: string;
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('sessions.startOptions', () => {
  it('lists the policy presets with their descriptions, the user\'s own shadowing a built-in one', () => {
    home = mkdtempSync(join(tmpdir(), 'paddock-start-options-'));
    mkdirSync(join(home, 'presets'));
    writeFileSync(join(home, 'presets', 'read-only.yaml'), 'version: 1\ndescription: my read-only\n');
    writeFileSync(join(home, 'presets', 'team.yaml'), 'version: 1\n');
    const o = startOptions(home);
    expect(StartOptionsSchema.parse(o)).toEqual(o);
    expect(o.policyPresets.map((p) => [p.name, p.source])).toEqual([['read-only', 'user'], ['strict', 'built-in'], ['team', 'user']]);
    expect(o.policyPresets[0]!.description).toBe('my read-only');
    expect(o.policyPresets[1]!.description).toMatch(/^No network unless a rule allows it/);
  });
});
