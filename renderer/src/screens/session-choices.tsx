import type { ProcedureInput, StartOptions } from '../../../electron/contract/index.js';
import { FieldError } from './field-error.js';

/** The agent, policy preset and network part of the new-session form (as `paddock run --agent/--preset/--network/--allow`). */
export interface Choices {
  agent: string;
  /** A policy preset's name, or '' for none. */
  policyPreset: string;
  network: '' | 'none' | 'egress';
  presets: string[];
  hosts: string;
}

export const NO_CHOICES: Choices = { agent: '', policyPreset: '', network: '', presets: [], hosts: '' };

export type ChoiceField = 'agent' | 'policyPreset' | 'network' | 'hosts';
type StartInput = ProcedureInput<'sessions.start'>;

/** The extra host patterns as typed (comma, space or newline separated). */
export function hostList(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** Checks what the browser can check; the engine judges host patterns exactly as `--allow` does. */
export function checkChoices(c: Choices): { field: ChoiceField; message: string } | null {
  const bad = hostList(c.hosts).find((h) => h.includes('://') || h.includes('/') || h.includes('@'));
  if (bad) return { field: 'hosts', message: `${bad}: write a host, like api.example.com or *.example.com:8443, without a scheme, path or user` };
  if (c.network === 'none' && (c.presets.length || hostList(c.hosts).length)) return { field: 'network', message: 'No network means nothing can leave: choose "Through Paddock\'s proxy" or clear the allowed hosts' };
  return null;
}

export function choicesInput(c: Choices): Partial<StartInput> {
  const allow = [...c.presets, ...hostList(c.hosts)];
  return {
    ...(c.agent ? { agent: c.agent as NonNullable<StartInput['agent']> } : {}),
    ...(c.policyPreset ? { preset: c.policyPreset } : {}),
    ...(c.network ? { network: c.network } : {}),
    ...(allow.length ? { allow } : {}),
  };
}

/** Which field an engine error is about (its message names the field), so it shows next to it. */
export function errorField(code: string, message: string): ChoiceField | 'repo' | 'command' | 'image' | null {
  if (code === 'REPO_NOT_FOUND' || code === 'REPO_NOT_DIRECTORY') return 'repo';
  const m = /^(?:sessions\.start: .* at )?(\w+)/.exec(message);
  const at = / at (\w+)/.exec(message)?.[1];
  const name = at ?? m?.[1];
  if (name === 'allow') return 'hosts';
  if (name === 'preset' || /policy preset|\/presets\/[a-z0-9-]+\.yaml:/.test(message)) return 'policyPreset';
  if (name === 'agent' || /does not allow the agent/.test(message)) return 'agent';
  if (name === 'network' || name === 'command' || name === 'image' || name === 'repo') return name;
  return null;
}

export function ChoiceFields({ value, onChange, options, errors }: { value: Choices; onChange: (c: Choices) => void; options: StartOptions | undefined; errors: Partial<Record<ChoiceField, string>> }) {
  const set = (patch: Partial<Choices>) => onChange({ ...value, ...patch });
  const presets = options?.presets ?? [];
  const policyPresets = options?.policyPresets ?? [];
  const chosen = policyPresets.find((p) => p.name === value.policyPreset);
  return (
    <div className="choices">
      <div className="form-grid choices-grid">
        <div className="field">
          <label>
            Agent
            <select name="agent" value={value.agent} onChange={(e) => set({ agent: e.target.value })} aria-invalid={!!errors.agent} aria-describedby={errors.agent ? 'err-agent' : undefined}>
              <option value="">No agent</option>
              {(options?.agents ?? []).map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <FieldError id="err-agent" message={errors.agent} />
        </div>
        <div className="field">
          <label>
            Network
            <select name="network" value={value.network} onChange={(e) => set({ network: e.target.value as Choices['network'] })} aria-invalid={!!errors.network} aria-describedby={errors.network ? 'err-network' : undefined}>
              <option value="">Automatic (policy and allowed hosts)</option>
              <option value="egress">Through Paddock&apos;s proxy</option>
              <option value="none">None</option>
            </select>
          </label>
          <FieldError id="err-network" message={errors.network} />
        </div>
        <div className="field span-2">
          <label>
            Policy preset
            <select
              name="policyPreset"
              value={value.policyPreset}
              onChange={(e) => set({ policyPreset: e.target.value })}
              aria-invalid={!!errors.policyPreset}
              aria-describedby={errors.policyPreset ? 'err-policyPreset' : chosen ? 'policy-preset-about' : undefined}
            >
              <option value="">None (your policy as it is)</option>
              {policyPresets.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.source === 'user' ? `${p.name} (yours)` : p.name}
                </option>
              ))}
            </select>
          </label>
          {chosen?.description ? (
            <p id="policy-preset-about" className="muted small">
              {chosen.description}
            </p>
          ) : null}
          <FieldError id="err-policyPreset" message={errors.policyPreset} />
        </div>
        <div className="field span-2">
          <label>
            Extra allowed hosts
            <input
              name="hosts"
              placeholder="api.example.com, *.example.com:8443"
              value={value.hosts}
              onChange={(e) => set({ hosts: e.target.value })}
              autoComplete="off"
              spellCheck={false}
              aria-invalid={!!errors.hosts}
              aria-describedby={errors.hosts ? 'err-hosts' : undefined}
            />
          </label>
          <FieldError id="err-hosts" message={errors.hosts} />
        </div>
      </div>
      {presets.length ? (
        <fieldset className="presets">
          <legend>Network presets</legend>
          {presets.map((p) => (
            <label key={p.name} className="check" title={p.hosts.join(', ')}>
              <input
                type="checkbox"
                name="preset"
                value={p.name}
                checked={value.presets.includes(p.name)}
                onChange={(e) => set({ presets: e.target.checked ? [...value.presets, p.name] : value.presets.filter((x) => x !== p.name) })}
              />
              {p.name}
            </label>
          ))}
        </fieldset>
      ) : null}
      {value.agent ? <p className="muted small">The {value.agent} agent runs in its own image, interactively in the session&apos;s terminal, behind the gate: every command it runs is judged by the policy; asks follow the policy&apos;s unattended setting.</p> : null}
    </div>
  );
}
