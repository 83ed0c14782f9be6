import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
import { PaddockError, errorMessage } from '../errors.js';
import { withLockFile } from '../lock-file.js';
import { analyseCommandLine, createCommandEngine, loadEffectivePolicy, quoteArgv, repoKey } from '../policy/index.js';
import type { EffectivePolicy } from '../policy/index.js';
import { readPolicySource } from '../policy/policy-source.js';
import type { ApprovalRequest } from './approval-types.js';

/** Turns an `always for this project` answer into a rule the next session loads. */
export interface ProjectRuleWriter {
  /** Resolves with the file written and the rule id; throws when the subject cannot be a rule. */
  write(request: ApprovalRequest): Promise<{ file: string; id: string }>;
}

/** The user-policy entries that would allow this request again in this repository. */
export interface ProjectEntries {
  /** `commands` → `projects.<repo>.commands.approved`; `network` → `projects.<repo>.network.rules`. */
  section: 'commands' | 'network';
  entries: Record<string, unknown>[];
}

/**
 * What `always for this project` writes for `request`, judged against the policy as it is now
 * (`policy` loaded for the request's repo). Throws BAD_INPUT when no entry could allow it: an
 * approval allows exactly one plain command and overrides only a built-in or user rule's ask
 * (never a forbid, a project or managed rule, or an ask from the shell structure).
 */
export function ruleFor(request: ApprovalRequest, policy: EffectivePolicy): ProjectEntries {
  const s = request.subject;
  const stamp = `always allowed for this project (approved ${new Date(request.createdAt).toISOString().slice(0, 10)})`;
  const hash = createHash('sha256').update(`${repoKey(request.repo)}\0${JSON.stringify(s)}`).digest('hex').slice(0, 10);
  if (s.kind === 'network') {
    return { section: 'network', entries: [{ id: `approved-${hash}`, host: s.host.toLowerCase(), port: s.port, decision: 'allow', justification: stamp }] };
  }
  if (s.kind === 'tool') {
    throw new PaddockError('BAD_INPUT', `a ${s.tool} tool call cannot be written as a policy rule; it was allowed for this session only`);
  }
  const onlySession = 'it was allowed for this session only';
  const verdict = createCommandEngine(policy, { cacheSize: 0 }).evaluate(s.command, { cwd: s.cwd });
  const shellParts = analyseCommandLine(s.command);
  const lockRules = policy.ceilings.lock_rules === true;
  const entries: Record<string, unknown>[] = [];
  verdict.parts.forEach((p, i) => {
    if (p.decision === 'allow') return;
    if (p.decision === 'forbid') throw new PaddockError('BAD_INPUT', `\`${p.text}\` is forbidden by rule "${p.rule.id}"; an approval never overrides a forbid`);
    const layer = p.rule.source.layer;
    if (layer === 'engine' && p.rule.id !== 'commands.default') {
      throw new PaddockError('BAD_INPUT', `\`${p.text}\` asks because of its shell structure (${p.rule.id}: ${p.justification}); an approval names one plain command and cannot cover it; ${onlySession}`);
    }
    if (p.rule.id !== 'commands.default' && (layer === 'project' || layer === 'managed' || (layer === 'default' && lockRules))) {
      const why = layer === 'default' ? 'the managed policy locks built-in rules (ceilings.lock_rules)' : `a ${layer} rule's ask cannot be approved away`;
      throw new PaddockError('BAD_INPUT', `\`${p.text}\` asks because of rule "${p.rule.id}" (${p.rule.source.file}:${p.rule.source.line}); ${why}; ${onlySession}`);
    }
    const sp = shellParts[i];
    if (!sp || sp.kind !== 'command' || sp.dynamic.some(Boolean)) {
      throw new PaddockError('BAD_INPUT', `\`${p.text}\` has parts known only at run time; an approval names exactly one command; ${onlySession}`);
    }
    const command = quoteArgv(sp.argv);
    entries.push({ id: `approved-${hash}-${entries.length + 1}`, command, justification: stamp });
  });
  if (!entries.length) throw new PaddockError('BAD_INPUT', `\`${s.command}\` has no part that asks; nothing to write`);
  return { section: 'commands', entries };
}

/**
 * Writes into the user's policy (`$PADDOCK_HOME/policy.yaml`) under `projects.<repo>` (the
 * repository's absolute path, symlinks resolved), keeping comments and layout; creates the file
 * when missing. Only sessions on that repository load the section (ADR 0007). The whole
 * read-modify-write holds `policy.yaml.lock` (cross-process), so concurrent approvals from
 * several engines or CLIs all land. If the policy would no longer load, the file is restored.
 */
export function userPolicyRuleWriter(home: string, opts: { managedPath?: string | null } = {}): ProjectRuleWriter {
  let chain: Promise<unknown> = Promise.resolve();
  const write = async (request: ApprovalRequest) => {
    await mkdir(home, { recursive: true });
    const file = existsSync(join(home, 'policy.yml')) && !existsSync(join(home, 'policy.yaml')) ? join(home, 'policy.yml') : join(home, 'policy.yaml');
    const env = { ...process.env, PADDOCK_HOME: home };
    return withLockFile(`${file}.lock`, async () => {
      const { policy } = await loadEffectivePolicy({ home, repo: request.repo, env, ...(opts.managedPath !== undefined ? { managedPath: opts.managedPath } : {}) });
      const { section, entries } = ruleFor(request, policy);
      const listKey = section === 'commands' ? 'approved' : 'rules';
      const before = existsSync(file) ? await readFile(file, 'utf8') : null;
      const doc = parseDocument(before ?? 'version: 1\n');
      if (!isMap(doc.contents)) throw new PaddockError('POLICY_INVALID', `${file}: expected a mapping at the top`);
      const path = ['projects', repoKey(request.repo), section, listKey];
      const existing = doc.getIn(path);
      if (existing !== undefined && !isSeq(existing)) throw new PaddockError('POLICY_INVALID', `${file}: ${path.join('.')} is not a list`);
      for (const r of entries) {
        const ids = isSeq(existing) ? existing.items.map((n) => (isMap(n) ? n.get('id') : null)) : [];
        if (ids.includes(r.id)) continue;
        if (doc.hasIn(path)) doc.addIn(path, doc.createNode(r));
        else doc.setIn(path, doc.createNode([r]));
      }
      const text = doc.toString();
      readPolicySource('user', file, text); // schema check at file:line:col before anything is written
      const tmp = `${file}.paddock-${process.pid}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, file);
      try {
        await loadEffectivePolicy({ home, repo: request.repo, env, ...(opts.managedPath !== undefined ? { managedPath: opts.managedPath } : {}) });
      } catch (e) {
        if (before === null) await writeFile(file, 'version: 1\n');
        else await writeFile(file, before);
        throw new PaddockError('POLICY_INVALID', `the approved rule would break the policy (${errorMessage(e)}); ${file} was left as it was`, { cause: e });
      }
      return { file, id: String(entries[0]!.id) };
    }, { timeoutMs: 30_000 });
  };
  return {
    write(request) {
      const turn = chain.then(() => write(request));
      chain = turn.catch(() => undefined);
      return turn;
    },
  };
}
