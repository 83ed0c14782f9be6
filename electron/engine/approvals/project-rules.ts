import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
import { PaddockError, errorMessage } from '../errors.js';
import { loadEffectivePolicy } from '../policy/index.js';
import { readPolicySource } from '../policy/policy-source.js';
import type { ApprovalRequest } from './approval-types.js';

/** Turns an `always for this project` answer into a rule the next session loads. */
export interface ProjectRuleWriter {
  /** Resolves with the file written and the rule id; throws when the subject cannot be a rule. */
  write(request: ApprovalRequest): Promise<{ file: string; id: string }>;
}

const PATTERN_TOKEN = /^[^\s|*]+$/;

/** The rule(s) that would allow this request again: plain data for the policy file. */
export function ruleFor(request: ApprovalRequest): { section: 'commands' | 'network'; rules: Record<string, unknown>[] } {
  const s = request.subject;
  const stamp = `always allowed for ${request.repo} (approved ${new Date(request.createdAt).toISOString().slice(0, 10)})`;
  const hash = createHash('sha256').update(`${request.repo}\0${JSON.stringify(s)}`).digest('hex').slice(0, 10);
  if (s.kind === 'network') {
    return { section: 'network', rules: [{ id: `approved-${hash}`, host: s.host.toLowerCase(), port: s.port, decision: 'allow', justification: stamp }] };
  }
  if (s.kind === 'tool') {
    throw new PaddockError('BAD_INPUT', `a ${s.tool} tool call cannot be written as a policy rule; it was allowed for this session only`);
  }
  const asking = s.parts.filter((p) => p.decision === 'ask');
  if (!asking.length) throw new PaddockError('BAD_INPUT', `\`${s.command}\` has no part that asks; nothing to write`);
  // The strictest matching rule wins, so an allow rule only helps where no rule matched (the
  // default asked). An ask from a rule stays an ask; say so rather than write a dead rule.
  const byRule = asking.find((p) => p.rule !== 'commands.default');
  if (byRule)
    throw new PaddockError('BAD_INPUT', `\`${byRule.text}\` asks because of rule "${byRule.rule}", which an allow rule cannot override (the strictest rule wins); it was allowed for this session only. To change it, edit or disable that rule in your user policy.`);
  return {
    section: 'commands',
    rules: asking.map((p, i) => {
      const positional = p.argv.filter((a, j) => j === 0 || !a.startsWith('-'));
      const flags = p.argv.filter((a, j) => j > 0 && a.startsWith('-'));
      if (!positional.every((t) => PATTERN_TOKEN.test(t)))
        throw new PaddockError('BAD_INPUT', `\`${p.text}\` has arguments a rule pattern cannot state exactly; it was allowed for this session only`);
      return {
        id: `approved-${hash}${asking.length > 1 ? `-${i + 1}` : ''}`,
        decision: 'allow',
        pattern: positional.join(' '),
        args_max: 0,
        ...(flags.length ? { flags_any: flags } : {}),
        justification: stamp,
        examples: { match: [p.argv.join(' ')] },
      };
    }),
  };
}

/**
 * Writes into the user's policy (`$PADDOCK_HOME/policy.yaml`, the only user layer there is),
 * keeping its comments and layout; creates it when missing. The rule says which repository it
 * was approved for. If the policy would no longer load, the file is restored and the write fails.
 */
export function userPolicyRuleWriter(home: string): ProjectRuleWriter {
  let chain: Promise<unknown> = Promise.resolve();
  const write = async (request: ApprovalRequest) => {
    const { section, rules } = ruleFor(request);
    await mkdir(home, { recursive: true });
    const file = existsSync(join(home, 'policy.yml')) && !existsSync(join(home, 'policy.yaml')) ? join(home, 'policy.yml') : join(home, 'policy.yaml');
    const before = existsSync(file) ? await readFile(file, 'utf8') : null;
    const doc = parseDocument(before ?? 'version: 1\n');
    if (!isMap(doc.contents)) throw new PaddockError('POLICY_INVALID', `${file}: expected a mapping at the top`);
    const existing = doc.getIn([section, 'rules']);
    if (existing !== undefined && !isSeq(existing)) throw new PaddockError('POLICY_INVALID', `${file}: ${section}.rules is not a list`);
    for (const r of rules) {
      const ids = isSeq(existing) ? existing.items.map((n) => (isMap(n) ? n.get('id') : null)) : [];
      if (ids.includes(r.id)) continue;
      if (doc.hasIn([section, 'rules'])) doc.addIn([section, 'rules'], doc.createNode(r));
      else doc.setIn([section, 'rules'], doc.createNode([r]));
    }
    const text = doc.toString();
    readPolicySource('user', file, text); // schema check at file:line:col before anything is written
    const tmp = `${file}.paddock-${process.pid}.tmp`;
    await writeFile(tmp, text, { mode: 0o600 });
    await rename(tmp, file);
    try {
      await loadEffectivePolicy({ home, repo: request.repo, env: { ...process.env, PADDOCK_HOME: home } });
    } catch (e) {
      if (before === null) await writeFile(file, 'version: 1\n');
      else await writeFile(file, before);
      throw new PaddockError('POLICY_INVALID', `the approved rule would break the policy (${errorMessage(e)}); ${file} was left as it was`, { cause: e });
    }
    return { file, id: String(rules[0]!.id) };
  };
  return {
    write(request) {
      const turn = chain.then(() => write(request));
      chain = turn.catch(() => undefined);
      return turn;
    },
  };
}
