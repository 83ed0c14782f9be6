// @vitest-environment jsdom
import '@testing-library/jest-dom/vitest';
import { cleanup, screen, waitFor, within } from '@testing-library/react';
import { userEvent } from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithFake } from '../test-kit.js';
import { NewSessionForm } from './new-session-form.js';

afterEach(cleanup);

const startInput = (calls: Array<[string, unknown]>) => calls.find(([n]) => n === 'sessions.start')?.[1];

describe('New-session form: agent, policy preset and network', () => {
  it('starts an agent with network presets and extra hosts, as paddock run --agent/--allow does', async () => {
    const user = userEvent.setup();
    const onStarted = vi.fn();
    const { fake } = renderWithFake(<NewSessionForm onStarted={onStarted} />);
    const form = screen.getByRole('form', { name: 'New session' });
    await user.type(within(form).getByLabelText('Repository'), '/home/dev/project');
    const agent = within(form).getByLabelText('Agent');
    await waitFor(() => expect(within(agent).getAllByRole('option').map((o) => o.textContent)).toEqual(['No agent', 'claude', 'codex', 'gemini', 'opencode']));
    await user.selectOptions(agent, 'claude');
    // The agent runs its own image and command line.
    expect(within(form).getByLabelText('Command')).toBeDisabled();
    expect(within(form).getByLabelText('Image')).toBeDisabled();
    await user.click(within(form).getByRole('checkbox', { name: 'npm' }));
    await user.click(within(form).getByRole('checkbox', { name: 'github' }));
    await user.type(within(form).getByLabelText('Extra allowed hosts'), 'api.example.com, *.example.org:8443');
    await user.selectOptions(within(form).getByLabelText('Network'), 'egress');
    await user.click(within(form).getByRole('button', { name: 'Start session' }));
    await waitFor(() => expect(onStarted).toHaveBeenCalled());
    expect(startInput(fake.calls)).toEqual({ repo: '/home/dev/project', approvals: 'ask', agent: 'claude', network: 'egress', allow: ['npm', 'github', 'api.example.com', '*.example.org:8443'] });
  });

  it('the preset checkboxes show their hosts; with no choices nothing extra is sent', async () => {
    const user = userEvent.setup();
    const { fake } = renderWithFake(<NewSessionForm onStarted={() => {}} />);
    expect(await screen.findByRole('checkbox', { name: 'npm' })).toBeInTheDocument();
    expect(screen.getByText('npm').closest('label')).toHaveAttribute('title', 'registry.npmjs.org, registry.yarnpkg.com');
    await user.type(screen.getByLabelText('Repository'), '/r');
    await user.click(screen.getByRole('button', { name: 'Start session' }));
    await waitFor(() => expect(startInput(fake.calls)).toEqual({ repo: '/r', approvals: 'ask' }));
  });

  it('a host with a scheme is refused next to its field, before anything is started', async () => {
    const user = userEvent.setup();
    const { fake } = renderWithFake(<NewSessionForm onStarted={() => {}} />);
    await user.type(screen.getByLabelText('Repository'), '/r');
    const hosts = screen.getByLabelText('Extra allowed hosts');
    await user.type(hosts, 'https://api.example.com/v1');
    await user.click(screen.getByRole('button', { name: 'Start session' }));
    const err = await screen.findByRole('alert');
    expect(err).toHaveTextContent('https://api.example.com/v1: write a host');
    expect(err.closest('.field')).toBe(hosts.closest('.field'));
    expect(hosts).toHaveAttribute('aria-invalid', 'true');
    expect(hosts).toHaveAttribute('aria-describedby', 'err-hosts');
    expect(startInput(fake.calls)).toBeUndefined();
  });

  it('"no network" with allowed hosts is refused next to the network field', async () => {
    const user = userEvent.setup();
    renderWithFake(<NewSessionForm onStarted={() => {}} />);
    await user.type(screen.getByLabelText('Repository'), '/r');
    await user.click(await screen.findByRole('checkbox', { name: 'npm' }));
    const network = screen.getByLabelText('Network');
    await user.selectOptions(network, 'none');
    await user.click(screen.getByRole('button', { name: 'Start session' }));
    expect((await screen.findByRole('alert')).closest('.field')).toBe(network.closest('.field'));
  });

  it("the engine's errors show next to the field they are about", async () => {
    const user = userEvent.setup();
    const { fake } = renderWithFake(<NewSessionForm onStarted={() => {}} />);
    fake.failNext('sessions.start', 'BAD_INPUT', 'allow[0]: "exa mple.com": expected a preset (npm, pypi) or host[:port]');
    await user.type(screen.getByLabelText('Repository'), '/r');
    await user.type(screen.getByLabelText('Extra allowed hosts'), 'exa');
    await user.click(screen.getByRole('button', { name: 'Start session' }));
    const hostsErr = await screen.findByRole('alert');
    expect(hostsErr).toHaveTextContent('BAD_INPUT: allow[0]');
    expect(hostsErr.closest('.field')).toBe(screen.getByLabelText('Extra allowed hosts').closest('.field'));

    fake.failNext('sessions.start', 'BAD_INPUT', 'the policy does not allow the agent codex (agents.allowed: claude)');
    await user.selectOptions(screen.getByLabelText('Agent'), 'codex');
    await user.clear(screen.getByLabelText('Extra allowed hosts'));
    await user.click(screen.getByRole('button', { name: 'Start session' }));
    await waitFor(() => expect(screen.getByRole('alert').closest('.field')).toBe(screen.getByLabelText('Agent').closest('.field')));
    expect(screen.getByRole('alert')).toHaveTextContent('does not allow the agent codex');

    fake.failNext('sessions.start', 'REPO_NOT_FOUND', '/r does not exist');
    await user.click(screen.getByRole('button', { name: 'Start session' }));
    await waitFor(() => expect(screen.getByRole('alert').closest('.field')).toBe(screen.getByLabelText('Repository').closest('.field')));
  });

  it('offers the policy presets with their descriptions (default none) and sends the chosen one', async () => {
    const user = userEvent.setup();
    const onStarted = vi.fn();
    const { fake } = renderWithFake(<NewSessionForm onStarted={onStarted} />);
    const select = screen.getByLabelText('Policy preset');
    await waitFor(() => expect(within(select).getAllByRole('option').map((o) => o.textContent)).toEqual(['None (your policy as it is)', 'read-only', 'strict']));
    expect(select).toHaveValue('');
    await user.selectOptions(select, 'strict');
    expect(select).toHaveAccessibleDescription(/No network unless a rule allows it/);
    await user.type(screen.getByLabelText('Repository'), '/r');
    await user.click(screen.getByRole('button', { name: 'Start session' }));
    await waitFor(() => expect(onStarted).toHaveBeenCalled());
    expect(startInput(fake.calls)).toEqual({ repo: '/r', approvals: 'ask', preset: 'strict' });
  });

  it("an engine error about the policy preset shows next to the preset field", async () => {
    const user = userEvent.setup();
    const { fake } = renderWithFake(<NewSessionForm onStarted={() => {}} />);
    const select = screen.getByLabelText('Policy preset');
    await waitFor(() => expect(within(select).getAllByRole('option')).toHaveLength(3));
    await user.selectOptions(select, 'read-only');
    fake.failNext('sessions.start', 'POLICY_INVALID', '/home/dev/.paddock/presets/read-only.yaml:4:3: network.defualt: unknown key; expected one of: default, presets, rules');
    await user.type(screen.getByLabelText('Repository'), '/r');
    await user.click(screen.getByRole('button', { name: 'Start session' }));
    const err = await screen.findByRole('alert');
    expect(err).toHaveTextContent('read-only.yaml:4:3');
    expect(err.closest('.field')).toBe(select.closest('.field'));
    expect(select).toHaveAttribute('aria-invalid', 'true');
  });
});
