// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';
import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { FAKE_MANAGED_FILE, FAKE_USER_FILE, fakeUserPolicy } from '../api/fake-policy.js';
import { renderWithFake } from '../test-kit.js';
import { PolicyScreen } from './policy-screen.js';
import { SettingsScreen } from './settings-screen.js';

afterEach(cleanup);

/** jsdom renders every keystroke; on a loaded 2-core machine a few dozen of them take seconds. */
const SLOW = { timeout: 30_000 };

/** Type into a field by pasting (one input event), for long text. */
async function fill(user: ReturnType<typeof userEvent.setup>, el: HTMLElement, text: string) {
  await user.click(el);
  await user.paste(text);
}

async function openUserEditor() {
  const user = userEvent.setup();
  const r = renderWithFake(<PolicyScreen />);
  await user.click(await screen.findByRole('tab', { name: /Your policy/ }));
  const editor = await screen.findByTestId('editor-user');
  await within(editor).findByRole('table', { name: 'Command rules' });
  return { user, editor, ...r };
}

async function addNoPublish(user: ReturnType<typeof userEvent.setup>, editor: HTMLElement) {
  await user.click(within(editor).getByRole('button', { name: 'Add command rule' }));
  const form = within(editor).getByRole('form', { name: 'New command rule' });
  await user.type(within(form).getByLabelText('ID'), 'no-publish');
  await user.selectOptions(within(form).getByLabelText('Decision'), 'forbid');
  await fill(user, within(form).getByLabelText('Pattern'), 'npm publish');
  await fill(user, within(form).getByLabelText(/Justification/), 'releases go through CI');
  await fill(
    user,
    within(form).getByLabelText('Examples that must match (one command line per line)'),
    'npm publish --tag next',
  );
  await user.click(within(form).getByRole('button', { name: 'Add rule' }));
}

describe('Policy editor', SLOW, () => {
  it('lists the rules of the user file; adds a rule and saves it, keeping the rest of the file', async () => {
    const { user, editor, fake } = await openUserEditor();
    expect(within(editor).getByText(FAKE_USER_FILE)).toBeInTheDocument();
    expect(
      within(editor)
        .getAllByTestId('command-rule')
        .map((r) => r.dataset.ruleId),
    ).toEqual(['no-deploy', 'git-push-force']);
    expect(within(editor).getAllByTestId('network-rule')[0]).toHaveTextContent('registry.npmjs.org');

    await addNoPublish(user, editor);
    expect(
      within(editor)
        .getAllByTestId('command-rule')
        .map((r) => r.dataset.ruleId),
    ).toEqual(['no-deploy', 'git-push-force', 'no-publish']);
    expect(within(editor).getByText('unsaved')).toBeInTheDocument();

    await user.click(within(editor).getByRole('button', { name: 'Save' }));
    expect(await within(editor).findByText(/^Saved .*policy\.yaml/)).toBeInTheDocument();
    const saved = await fake.handlers['policy.source']({ layer: 'user' });
    expect(saved.text).toContain('# my policy');
    expect(saved.text).toContain(
      '- id: no-publish\n      decision: forbid\n      pattern: npm publish\n      justification: releases go through CI\n      examples:\n        match: [ npm publish --tag next ]',
    );
    // Untouched rules keep their fields the form does not show.
    expect(saved.text).toContain('flags_any: [ --force ]');
    expect(
      fake.calls.filter(([n, i]) => n === 'policy.save' && !(i as { dryRun?: boolean }).dryRun),
    ).toHaveLength(1);
  });

  it('edits and deletes a rule through the form', async () => {
    const { user, editor } = await openUserEditor();
    await user.click(within(editor).getByRole('button', { name: 'Edit rule no-deploy' }));
    const form = within(editor).getByRole('form', { name: 'Edit rule no-deploy' });
    expect(within(form).getByLabelText('Pattern')).toHaveValue('make deploy');
    await user.selectOptions(within(form).getByLabelText('Decision'), 'ask');
    await user.click(within(form).getByRole('button', { name: 'Update rule' }));
    const row = within(editor).getAllByTestId('command-rule')[0]!;
    expect(row).toHaveTextContent('ask');
    await user.click(within(editor).getByRole('button', { name: 'Delete rule no-deploy' }));
    expect(
      within(editor)
        .getAllByTestId('command-rule')
        .map((r) => r.dataset.ruleId),
    ).toEqual(['git-push-force']);
  });

  it('"test a command" judges the unsaved draft', async () => {
    const { user, editor, fake } = await openUserEditor();
    await addNoPublish(user, editor);
    await user.type(screen.getByLabelText('Command line'), 'npm publish');
    await user.click(screen.getByRole('button', { name: 'Check' }));
    const v = await screen.findByTestId('verdict');
    expect(v).toHaveTextContent('forbid');
    expect(v).toHaveTextContent('no-publish');
    expect(v).toHaveTextContent('unsaved draft');
    const check = fake.calls.find(([n]) => n === 'policy.check')![1] as {
      draft?: { layer: string; text: string };
    };
    expect(check.draft?.layer).toBe('user');
    expect(check.draft?.text).toContain('id: no-publish');
  });

  it('a bad YAML edit: the error is shown at its line, and nothing is saved', async () => {
    const { user, editor, fake } = await openUserEditor();
    await user.click(within(editor).getByRole('tab', { name: /YAML/ }));
    const area = within(editor).getByLabelText('user policy YAML');
    expect(area).toHaveValue(fakeUserPolicy);
    fireEvent.change(area, {
      target: { value: 'version: 1\ncommands:\n  rules:\n    - id: x\n      pattern: [unclosed\n' },
    });
    await user.click(within(editor).getByRole('button', { name: 'Save' }));
    const problem = (await within(editor).findAllByTestId('editor-problem'))[0]!;
    expect(problem.dataset.line).toBe('6');
    expect(problem).toHaveTextContent(/Line 6, column \d+ POLICY_INVALID not valid YAML/);
    const mark = within(editor).getByTestId('line-mark');
    expect(mark.dataset.line).toBe('6');
    expect(mark).toHaveTextContent('not valid YAML');
    expect(area).toHaveAttribute('aria-invalid', 'true');
    expect((await fake.handlers['policy.source']({ layer: 'user' })).text).toBe(fakeUserPolicy);
    // The rules view says where to fix it rather than showing a half-read list.
    await user.click(within(editor).getByRole('tab', { name: /Rules/ }));
    expect(within(editor).getByText(/The YAML does not parse \(line \d+/)).toBeInTheDocument();
  });

  it('managed values are locked: named with the managed file, not editable, their id not reusable', async () => {
    const { user, editor } = await openUserEditor();
    const locked = within(editor).getAllByTestId('command-rule')[1]!;
    expect(within(locked).getByTestId('lock')).toHaveTextContent(`locked by ${FAKE_MANAGED_FILE}`);
    expect(within(locked).getByRole('button', { name: 'Edit rule git-push-force' })).toBeDisabled();
    expect(within(editor).getByText(/2 values are locked/)).toBeInTheDocument();
    expect(within(editor).getByRole('list', { name: 'Locked values' })).toHaveTextContent(
      `telemetry.endpoint — set by the managed policy, ${FAKE_MANAGED_FILE}:14:13`,
    );

    await user.click(within(editor).getByRole('button', { name: 'Add command rule' }));
    const form = within(editor).getByRole('form', { name: 'New command rule' });
    await user.type(within(form).getByLabelText('ID'), 'git-push-force');
    await user.type(within(form).getByLabelText('Pattern'), 'git push');
    await user.click(within(form).getByRole('button', { name: 'Add rule' }));
    expect(within(form).getByRole('alert')).toHaveTextContent(
      `locked by the managed policy (${FAKE_MANAGED_FILE}:9:5)`,
    );
  });

  it('a locked value changed in the YAML is refused by the engine at its line, and shown on its rule', async () => {
    const { user, editor } = await openUserEditor();
    await user.click(within(editor).getByRole('tab', { name: /YAML/ }));
    fireEvent.change(within(editor).getByLabelText('user policy YAML'), {
      target: { value: fakeUserPolicy.replace('decision: ask', 'decision: allow') },
    });
    await user.click(within(editor).getByRole('button', { name: 'Save' }));
    const problem = (await within(editor).findAllByTestId('editor-problem'))[0]!;
    expect(problem.dataset.line).toBe('11');
    expect(problem).toHaveTextContent('POLICY_LOCKED');
    await user.click(within(editor).getByRole('tab', { name: /Rules/ }));
    expect(
      within(within(editor).getAllByTestId('command-rule')[1]!).getByTestId('rule-problem'),
    ).toHaveTextContent('Line 11: commands.rules.git-push-force is locked');
  });

  it('the project tab asks for a repository, then edits its .paddock/policy.yaml (a new file)', async () => {
    const user = userEvent.setup();
    renderWithFake(<PolicyScreen />);
    await user.click(await screen.findByRole('tab', { name: /Project policy/ }));
    expect(screen.getByText('No repository loaded')).toBeInTheDocument();
    await user.type(screen.getByLabelText(/Repository/), '/home/dev/project');
    await user.click(screen.getByRole('button', { name: 'Load' }));
    const editor = await screen.findByTestId('editor-project');
    expect(await within(editor).findByText('/home/dev/project/.paddock/policy.yaml')).toBeInTheDocument();
    expect(within(editor).getByText('new file')).toBeInTheDocument();
    expect(within(editor).getByText(/may only tighten/)).toBeInTheDocument();
  });
});

describe('Settings: image builds and telemetry', SLOW, () => {
  it('a cached image answers up to date, with its progress lines; an unbuilt layer builds step by step', async () => {
    const user = userEvent.setup();
    renderWithFake(<SettingsScreen />);
    const table = await screen.findByRole('table', { name: 'Image build state' });
    expect(
      within(table)
        .getAllByTestId('image-build-row')
        .map((r) => r.textContent),
    ).toEqual([
      expect.stringContaining('paddock/agent:testbuilt'),
      expect.stringContaining('claude layer'),
      expect.stringContaining('not built'),
    ]);
    await user.click(within(table).getByRole('button', { name: 'Build Default agent image' }));
    expect(await screen.findByTestId('build-result')).toHaveTextContent(
      'paddock/agent:test is up to date: nothing to build.',
    );
    expect(screen.getAllByTestId('progress-line').map((l) => l.textContent)).toEqual([
      'checking paddock/agent:test',
      'paddock/agent:test is up to date (nothing to build)',
    ]);

    await user.click(within(table).getByRole('button', { name: 'Build codex layer' }));
    expect(await screen.findByTestId('build-result')).toHaveTextContent(
      'Built paddock/agent-codex:test in 1s.',
    );
    const log = screen.getByRole('log', { name: 'Build progress' });
    expect(log).toHaveTextContent('building paddock/agent-codex:test, step 1/2: npm install @openai/codex');
    expect(log).toHaveTextContent('step 2/2: codex layer');
    expect(log).not.toHaveTextContent('checking paddock/agent:test');
  });

  it('shows the telemetry endpoint from the effective policy and the data directory', async () => {
    renderWithFake(<SettingsScreen />);
    expect(await screen.findByTestId('telemetry-state')).toHaveTextContent('Off');
    expect(screen.getByTestId('telemetry-endpoint')).toHaveTextContent('(none)');
    expect(screen.getByText('/home/dev/.local/share/paddock')).toBeInTheDocument();
  });
});
