import { PaddockError } from '../errors.js';
import { applyCeilings, managedPublicKey, verifyManagedSignature } from './policy-managed.js';
import { applyLayer, emptyState } from './policy-merge.js';
import { readPolicySource } from './policy-source.js';
import type { PolicySource } from './policy-source.js';
import { applyProjectSection } from './policy-projects.js';
import { repoKey } from './repo-key.js';
import { assertProjectTightens } from './policy-tighten.js';
import type { EffectivePolicyResult, LayerName, LoadedLayer } from './policy-types.js';
import { policyFingerprint } from './policy-cache.js';
import { initPolicyEngine } from './shell-parser.js';

/** One layer's file as read by the loader: the bytes are read once, so what is checked is what is keyed. */
export interface LayerFile {
  layer: LayerName;
  file: string;
  bytes: Buffer;
}

function read(l: LayerFile): PolicySource {
  return readPolicySource(l.layer, l.file, l.bytes.toString('utf8'));
}

/**
 * The full load (policy-loader.ts decides when it is needed): parse and validate every layer
 * (YAML, zod, each rule's examples through the bash grammar), merge them lowest first, project
 * tighten-only, managed signature, forced values and ceilings.
 */
export async function composePolicy(
  lower: LayerFile[],
  managedFile: LayerFile | null,
  opts: { userFile: string; managedPublicKey?: string; env: NodeJS.ProcessEnv; repo?: string | null },
): Promise<EffectivePolicyResult> {
  await initPolicyEngine();
  const sources = lower.map(read);
  let managed: PolicySource | null = null;
  let signed = false;
  if (managedFile) {
    signed = verifyManagedSignature(managedFile.file, managedFile.bytes, managedPublicKey(opts.managedPublicKey, opts.env));
    managed = read(managedFile);
  }
  if (!sources[0] || sources[0].layer !== 'default') throw new PaddockError('INTERNAL', 'the built-in policy layer is missing');

  const st = emptyState();
  const locked = new Set<string>();
  if (managed?.data.ceilings?.lock_rules) {
    for (const r of sources[0].data.commands?.rules ?? []) locked.add(r.id);
    for (const r of managed.data.commands?.rules ?? []) locked.add(r.id);
    for (const r of sources[0].data.mcp?.rules ?? []) locked.add(`mcp:${r.id}`);
    for (const r of managed.data.mcp?.rules ?? []) locked.add(`mcp:${r.id}`);
  }
  for (const src of sources) {
    if (src.layer === 'project') assertProjectTightens(src, st.policy, opts.userFile);
    applyLayer(st, src, src.layer === 'default' ? new Set() : locked);
    if (src.layer === 'user' && opts.repo) applyProjectSection(st, src, opts.repo);
  }
  if (opts.repo) st.policy.repo = repoKey(opts.repo);
  if (managed) {
    applyLayer(st, managed);
    if (managed.data.ceilings) applyCeilings(st, (key) => managed.at(['ceilings', key]));
  }
  const all = managed ? [...sources, managed] : sources;
  const layers: LoadedLayer[] = all.map((s) => ({ layer: s.layer, file: s.file, sha256: s.sha256, ...(s.layer === 'managed' ? { signed } : {}) }));
  return { policy: st.policy, provenance: st.provenance, fingerprint: policyFingerprint(layers), layers, warnings: st.warnings };
}
