import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultPolicyPath } from './policy-loader.js';
import { PolicyFileSchema, policyJsonSchema } from './policy-schema.js';

const published = fileURLToPath(new URL('../../../resources/policy/policy.schema.json', import.meta.url));

describe('policy schema', () => {
  it('the published JSON schema is the one generated from the zod schema (regenerate: paddock policy schema > resources/policy/policy.schema.json)', () => {
    expect(readFileSync(published, 'utf8')).toBe(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`);
  });

  it('the JSON schema is strict about unknown keys and lists the decisions', () => {
    const s = policyJsonSchema() as { additionalProperties?: boolean; required?: string[]; properties: Record<string, unknown> };
    expect(s.additionalProperties).toBe(false);
    expect(s.required).toEqual(['version']);
    expect(JSON.stringify(s.properties.commands)).toContain('"enum":["allow","ask","forbid"]');
  });

  it('the built-in default policy is valid', () => {
    const r = PolicyFileSchema.safeParse(parse(readFileSync(defaultPolicyPath(), 'utf8')));
    expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
  });

  it('refuses permission-bypass flags in agent settings', () => {
    const r = PolicyFileSchema.safeParse({ version: 1, agents: { settings: { claude: { args: ['--dangerously-skip-permissions'] } } } });
    expect(r.success).toBe(false);
  });
});
