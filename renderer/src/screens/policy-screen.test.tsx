// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';
import { cleanup, screen, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { renderWithFake } from '../test-kit.js';
import { PolicyScreen } from './policy-screen.js';
import { SettingsScreen } from './settings-screen.js';

afterEach(cleanup);

describe('Policy screen', () => {
  it('shows each value with its layer and file:line:col; managed values are locked', async () => {
    renderWithFake(<PolicyScreen />);
    const rows = await screen.findAllByTestId('policy-row');
    expect(rows).toHaveLength(3);
    expect(within(rows[0]!).getByText('/opt/paddock/default-policy.yaml:3:12')).toBeInTheDocument();
    expect(within(rows[1]!).getByText(/locked/)).toBeInTheDocument();
    expect(within(rows[0]!).queryByText(/locked/)).toBeNull();
    expect(within(rows[2]!).getByText('built into the engine')).toBeInTheDocument();
  });

  it('loads the policy of a repository', async () => {
    const user = userEvent.setup();
    const r = renderWithFake(<PolicyScreen />);
    await user.type(await screen.findByLabelText(/Repository/), '/home/dev/project');
    await user.click(screen.getByRole('button', { name: 'Load' }));
    await screen.findAllByTestId('policy-row');
    expect(r.fake.calls).toContainEqual(['policy.explain', { repo: '/home/dev/project' }]);
  });

  it('a policy preset applies to the effective view and to "test a command"', async () => {
    const user = userEvent.setup();
    const r = renderWithFake(<PolicyScreen />);
    const select = await screen.findByLabelText('Policy preset');
    await within(select).findByRole('option', { name: 'strict' });
    await user.selectOptions(select, 'strict');
    await screen.findAllByTestId('policy-row');
    expect(r.fake.calls).toContainEqual(['policy.explain', { preset: 'strict' }]);
    await user.type(screen.getByLabelText('Command line'), 'npm install left-pad');
    await user.click(screen.getByRole('button', { name: 'Check' }));
    await screen.findByTestId('verdict');
    expect(r.fake.calls).toContainEqual(['policy.check', { command: 'npm install left-pad', preset: 'strict' }]);
  });

  it('tests a command: decision, reason and rule', async () => {
    const user = userEvent.setup();
    renderWithFake(<PolicyScreen />);
    await user.type(await screen.findByLabelText('Command line'), 'git push --force');
    await user.click(screen.getByRole('button', { name: 'Check' }));
    const v = await screen.findByTestId('verdict');
    expect(v).toHaveTextContent('forbid');
    expect(v).toHaveTextContent('force-pushing rewrites shared history');
    expect(v).toHaveTextContent('git-push-force — /opt/paddock/default-policy.yaml:20:5');
  });

  it('shows a policy that does not load as an error with its code', async () => {
    renderWithFake(<PolicyScreen />, { arm: (f) => f.failNext('policy.explain', 'POLICY_INVALID', 'policy.yaml:3:5: unknown key') });
    expect(await screen.findByRole('alert')).toHaveTextContent('POLICY_INVALID');
  });
});

describe('Settings screen', () => {
  it('shows the engine, the default image and the data directory', async () => {
    renderWithFake(<SettingsScreen />);
    expect(await screen.findByTestId('engine-state')).toHaveTextContent('Connected');
    expect(screen.getByText('/home/dev/.local/share/paddock')).toBeInTheDocument();
    expect(screen.getByRole('table', { name: 'Images' })).toHaveTextContent('paddock/agent:test');
  });
});
