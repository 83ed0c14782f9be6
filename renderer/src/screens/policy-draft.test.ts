import { describe, expect, it } from 'vitest';
import { deleteRule, parseDraft, starterText, upsertCommandRule, upsertNetworkRule } from './policy-draft.js';

const FILE = `# top comment
version: 1
commands:
  default: ask # keep me
  rules:
    - id: a
      decision: ask
      pattern: git push
      flags_any: [--force]
network:
  rules: [{ host: example.com, port: 443, decision: allow }]
`;

const rule = {
  id: 'no-deploy',
  decision: 'forbid' as const,
  pattern: 'make deploy',
  justification: 'CI only',
  match: ['make deploy'],
  notMatch: [],
};

describe('the draft', () => {
  it('reads rules with their lines, keys and the fields the form does not show', () => {
    const d = parseDraft(FILE);
    expect(d.errors).toEqual([]);
    expect(d.commandRules).toEqual([
      {
        index: 0,
        key: 'commands.rules.a',
        startLine: 6,
        endLine: 9,
        extra: ['flags_any'],
        form: { id: 'a', decision: 'ask', pattern: 'git push', justification: '', match: [], notMatch: [] },
      },
    ]);
    expect(d.networkRules[0]).toMatchObject({
      key: 'network.rules.example.com:443',
      form: { host: 'example.com', ports: '443', decision: 'allow' },
    });
  });

  it('YAML syntax errors come with their line', () => {
    const d = parseDraft('version: 1\ncommands:\n  rules: [\n');
    expect(d.errors[0]?.line).toBeGreaterThanOrEqual(3);
    expect(d.commandRules).toEqual([]);
  });

  it('adds and edits a command rule, keeping comments and other fields', () => {
    const added = upsertCommandRule(FILE, null, rule);
    expect(added).toContain('# top comment');
    expect(added).toContain('default: ask # keep me');
    expect(added).toContain(
      '    - id: no-deploy\n      decision: forbid\n      pattern: make deploy\n      justification: CI only\n      examples:\n        match: [ make deploy ]\n',
    );
    const edited = upsertCommandRule(added, 0, {
      ...parseDraft(added).commandRules[0]!.form,
      decision: 'forbid',
      justification: 'no force',
    });
    const a = parseDraft(edited).commandRules[0]!;
    expect(a.form).toMatchObject({ decision: 'forbid', justification: 'no force' });
    expect(a.extra).toEqual(['flags_any']);
    // Clearing the examples removes the key.
    const cleared = upsertCommandRule(edited, 1, { ...rule, match: [] });
    expect(parseDraft(cleared).commandRules[1]!.form.match).toEqual([]);
    expect(cleared).not.toContain('examples');
  });

  it('network rules: ports as a number or a list; delete', () => {
    const out = upsertNetworkRule(FILE, null, {
      id: '',
      host: '*.corp.example',
      ports: '80, 443',
      decision: 'ask',
      justification: '',
    });
    expect(parseDraft(out).networkRules[1]!.form).toMatchObject({
      host: '*.corp.example',
      ports: '80, 443',
      decision: 'ask',
    });
    expect(out).toMatch(/port: \[ 80, 443 \]/);
    const gone = deleteRule(out, 'network', 0);
    expect(parseDraft(gone).networkRules.map((r) => r.form.host)).toEqual(['*.corp.example']);
  });

  it('a new file starts from the starter and gets its first rule', () => {
    const out = upsertCommandRule(starterText('project'), null, rule);
    expect(out.startsWith('# This repository')).toBe(true);
    expect(out).toContain('version: 1\ncommands:\n  rules:\n    - id: no-deploy');
  });

  it('refuses to edit text that does not parse (the YAML tab says where)', () => {
    expect(() => upsertCommandRule('a: [', null, rule)).toThrow(/fix the YAML errors first/);
  });
});
