import { z } from 'zod';

/**
 * The policy file format (one layer). Every field is optional so a layer says only what it
 * sets; `mergeLayers` fills the rest from lower layers. Objects are strict: an unknown key is
 * an error at its file:line:col, so a typo never silently disables a rule.
 */

export const commandDecisions = ['allow', 'ask', 'forbid'] as const;
export type CommandDecision = (typeof commandDecisions)[number];
export const CommandDecisionSchema = z.enum(commandDecisions);

export const networkDecisions = ['allow', 'ask', 'deny'] as const;
export type NetworkDecision = (typeof networkDecisions)[number];
export const NetworkDecisionSchema = z.enum(networkDecisions);

const ruleId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected an id of lowercase letters, digits, ".", "_" or "-"');

/** `example.com` (exact) or `*.example.com` (any subdomain, not the apex). */
export const HostPatternSchema = z
  .string()
  .regex(
    /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/,
    'expected a lowercase host name ("example.com") or a suffix pattern ("*.example.com")',
  );

export const CommandRuleSchema = z.strictObject({
  id: ruleId,
  decision: CommandDecisionSchema,
  pattern: z
    .string()
    .min(1)
    .describe('Program then leading positional arguments, space separated; "a|b" alternatives, "*" any one token'),
  flags_any: z.array(z.string().regex(/^-/, 'expected a flag starting with "-"')).optional()
    .describe('Matches only if some argument is one of these flags'),
  flags_none: z.array(z.string().regex(/^-/, 'expected a flag starting with "-"')).optional()
    .describe('Matches only if no argument is one of these flags'),
  args_any: z.array(z.string()).optional().describe('Matches only if some positional argument matches one of these globs'),
  args_regex: z.string().optional().describe('Matches only if some argument matches this regular expression'),
  args_max: z.number().int().min(0).optional()
    .describe('Matches only if at most this many positional arguments follow the pattern'),
  paths_outside: z.array(z.string()).optional()
    .describe('Matches only if some positional argument resolves outside all of these directories ("." = the workspace)'),
  paths_within: z.array(z.string()).optional()
    .describe('Matches only if every positional argument resolves inside these directories ("." = the workspace)'),
  piped_from: z.array(z.string()).optional().describe('Matches only if an earlier pipeline stage runs one of these programs'),
  justification: z.string().optional().describe('Shown to the human and sent to the agent'),
  examples: z
    .strictObject({
      match: z.array(z.string()).optional(),
      not_match: z.array(z.string()).optional(),
    })
    .optional()
    .describe('Command lines checked when the policy loads'),
  enabled: z.boolean().optional(),
});
export type CommandRule = z.infer<typeof CommandRuleSchema>;

export const CommandsSchema = z.strictObject({
  default: CommandDecisionSchema.optional().describe('Decision for a command no rule matches'),
  test_runners: z.array(z.string().min(1)).optional().describe('Command prefixes that run the project tests (allowed)'),
  rules: z.array(CommandRuleSchema).optional(),
});

export const WritableMountSchema = z.strictObject({
  host: z.string().min(1),
  container: z.string().regex(/^\//, 'expected an absolute path inside the container'),
});
export type WritableMount = z.infer<typeof WritableMountSchema>;

export const PathsSchema = z.strictObject({
  protected: z.array(z.string().min(1)).optional().describe('Globs mounted read-only (relative to the repo, or absolute)'),
  masked: z.array(z.string().min(1)).optional().describe('Secret file globs hidden from the sandbox'),
  allowed_secrets: z.array(z.string().min(1)).optional().describe('Globs exempted from masking'),
  writable_mounts: z.array(WritableMountSchema).optional().describe('Extra host directories mounted writable'),
});

const httpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT']);
const port = z.number().int().min(1).max(65535);

export const NetworkRuleSchema = z.strictObject({
  id: ruleId.optional(),
  host: HostPatternSchema,
  port: z.union([port, z.array(port).min(1)]).optional(),
  methods: z.array(httpMethod).min(1).optional(),
  decision: NetworkDecisionSchema,
  justification: z.string().optional(),
});
export type NetworkRule = z.infer<typeof NetworkRuleSchema>;

export const NetworkSchema = z.strictObject({
  default: NetworkDecisionSchema.optional().describe('Decision for a host no rule matches'),
  presets: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a preset name')).optional(),
  rules: z.array(NetworkRuleSchema).optional(),
});

export const unattendedModes = ['deny', 'allow'] as const;
export const ApprovalsSchema = z.strictObject({
  timeout_seconds: z.number().int().min(1).max(86_400).optional().describe('An unanswered ask is denied after this long'),
  unattended: z.enum(unattendedModes).optional()
    .describe('Answer to an ask when nobody can be asked: deny, or allow (forbid still forbids)'),
});

const forbiddenAgentArgs = ['--dangerously-skip-permissions', '--dangerously-bypass-approvals-and-sandbox', '--yolo'];
export const AgentSettingsSchema = z.strictObject({
  model: z.string().optional(),
  args: z
    .array(z.string())
    .refine((a) => !a.some((x) => forbiddenAgentArgs.includes(x)), {
      message: `expected no permission-bypass flag (${forbiddenAgentArgs.join(', ')}): Paddock's gate relies on the agent's permission checks`,
    })
    .optional(),
});

export const AgentsSchema = z.strictObject({
  default: z.string().optional(),
  allowed: z.array(z.string()).optional(),
  settings: z.record(z.string(), AgentSettingsSchema).optional(),
});

export const TelemetrySchema = z.strictObject({
  enabled: z.boolean().optional(),
  endpoint: z.url().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  log_prompts: z.boolean().optional(),
});

export const EngineSchema = z.strictObject({
  autostart: z
    .boolean()
    .optional()
    .describe('An interactive `paddock run` that finds no warm engine starts one for the next runs (stops after 30 min idle)'),
});

/** `*` any run of characters, `a|b` alternatives; names are matched whole. */
const namePattern = z
  .string()
  .regex(/^[A-Za-z0-9_.*|-]+$/, 'expected a name pattern: letters, digits, "_", ".", "-", "*" (any run of characters), "|" (alternatives)');

export const McpRuleSchema = z.strictObject({
  id: ruleId,
  server: namePattern.describe('MCP server name pattern (the <server> of mcp__<server>__<tool>)'),
  tool: namePattern.optional().describe('Tool name pattern (the <tool> of mcp__<server>__<tool>); default "*"'),
  decision: CommandDecisionSchema,
  justification: z.string().optional().describe('Shown to the human and sent to the agent'),
  enabled: z.boolean().optional(),
});
export type McpRule = z.infer<typeof McpRuleSchema>;

export const McpSchema = z.strictObject({
  default: CommandDecisionSchema.optional().describe('Decision for an MCP tool call no rule matches (default ask: it goes to the approvals broker)'),
  rules: z.array(McpRuleSchema).optional(),
});

/** One command `always for this project` approved: exactly this simple command (after unwrapping) flows. */
export const ApprovedCommandSchema = z.strictObject({
  id: ruleId.optional(),
  command: z.string().min(1).describe('One simple command without expansion, e.g. "git push origin main"; matched argv for argv'),
  justification: z.string().optional(),
});
export type ApprovedCommand = z.infer<typeof ApprovedCommandSchema>;

export const ProjectSectionSchema = z.strictObject({
  commands: z.strictObject({ approved: z.array(ApprovedCommandSchema).optional() }).optional(),
  network: z.strictObject({ rules: z.array(NetworkRuleSchema).optional() }).optional(),
});
export type ProjectSection = z.infer<typeof ProjectSectionSchema>;

/** Managed layer only: bounds no lower layer may cross. */
export const CeilingsSchema = z.strictObject({
  commands_default: CommandDecisionSchema.optional().describe('Unmatched commands are at least this strict'),
  mcp_default: CommandDecisionSchema.optional().describe('MCP tool calls no rule matches are at least this strict'),
  network_default: NetworkDecisionSchema.optional().describe('Unmatched hosts are at least this strict'),
  unattended: z.enum(unattendedModes).optional(),
  max_approval_timeout_seconds: z.number().int().min(1).optional(),
  lock_rules: z.boolean().optional().describe('Lower layers may not disable or replace built-in and managed rules'),
  network_allow_hosts: z.array(HostPatternSchema).optional()
    .describe('Lower layers may allow only hosts inside these patterns'),
});
export type Ceilings = z.infer<typeof CeilingsSchema>;

export const PolicyFileSchema = z
  .strictObject({
    version: z.literal(1),
    description: z.string().max(300).optional().describe('One line saying what this policy is for (shown by `paddock policy presets`)'),
    commands: CommandsSchema.optional(),
    paths: PathsSchema.optional(),
    network: NetworkSchema.optional(),
    approvals: ApprovalsSchema.optional(),
    agents: AgentsSchema.optional(),
    telemetry: TelemetrySchema.optional(),
    engine: EngineSchema.optional(),
    mcp: McpSchema.optional(),
    projects: z
      .record(z.string().regex(/^\//, 'expected the absolute path of a repository'), ProjectSectionSchema)
      .optional()
      .describe('User layer only: per-repository approvals ("always for this project"), keyed by the repository\'s absolute path'),
    ceilings: CeilingsSchema.optional(),
  })
  .describe('Paddock policy file (one layer)');
export type PolicyFile = z.infer<typeof PolicyFileSchema>;

/** The JSON schema published in resources/policy/policy.schema.json. */
export function policyJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(PolicyFileSchema, { io: 'input' });
}
