/**
 * The contract's keys as plain data (no zod): what the sandboxed preload bundles. `contract.ts`
 * checks at compile time that its schemas cover exactly these names.
 */
export const procedureNames = [
  'sessions.list',
  'sessions.get',
  'sessions.start',
  'sessions.stop',
  'sessions.input',
  'sessions.resize',
  'sessions.output',
  'sessions.pause',
  'sessions.resume',
  'sessions.network',
  'sessions.commands',
  'sessions.files',
  'sessions.fileDiff',
  'sessions.startOptions',
  'replay.events',
  'replay.screenAt',
  'replay.search',
  'export.session',
  'policy.explain',
  'policy.check',
  'policy.source',
  'policy.save',
  'engine.status',
  'approvals.list',
  'approvals.answer',
  'images.build',
] as const;

export const eventNames = [
  'sessions.changed',
  'terminal.data',
  'sessions.activity',
  'engine.progress',
  'approvals.changed',
] as const;

export type ProcedureName = (typeof procedureNames)[number];
export type EventName = (typeof eventNames)[number];

export function isProcedureName(name: unknown): name is ProcedureName {
  return typeof name === 'string' && (procedureNames as readonly string[]).includes(name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && (eventNames as readonly string[]).includes(name);
}
