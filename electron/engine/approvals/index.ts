// Approvals: the broker and its providers. The gate and the egress proxy ask through it.
export { ApprovalBroker, rememberKey } from './approval-broker.js';
export type { ApprovalBrokerOptions, ApprovalContext, AskInput } from './approval-broker.js';
export { subjectLine } from './approval-events.js';
export type { ApprovalAnswerEvent, ApprovalRequestEvent } from './approval-events.js';
export { callbackProvider, fixedProvider } from './approval-providers.js';
export { ttyApprovalProvider } from './tty-provider.js';
export type { TtyApprovalProvider } from './tty-provider.js';
export { ruleFor, userPolicyRuleWriter } from './project-rules.js';
export type { ProjectRuleWriter } from './project-rules.js';
export { approvalChoices } from './approval-types.js';
export type { ApprovalAnswer, ApprovalChoice, ApprovalOutcome, ApprovalProvider, ApprovalRequest, ApprovalSubject } from './approval-types.js';
