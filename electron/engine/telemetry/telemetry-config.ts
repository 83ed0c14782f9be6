import { z } from 'zod';
import { PaddockError } from '../errors.js';
import type { TelemetryConfig } from './otlp-exporter.js';

/**
 * The `telemetry` section a policy layer may set (the managed layer can force it): where OTLP
 * logs go, with which headers, and whether prompt text may leave the machine.
 */
export const TelemetryPolicy = z
  .object({
    enabled: z.boolean().default(false),
    endpoint: z.string().regex(/^https?:\/\/[^\s]+$/, 'an http(s) URL such as https://collector.example/v1/logs').optional(),
    headers: z.record(z.string(), z.string()).default({}),
    logPrompts: z.boolean().default(false),
    maxQueueSize: z.number().int().min(1).max(1_000_000).default(2048),
  })
  .strict();
export type TelemetryPolicy = z.infer<typeof TelemetryPolicy>;

/** Exporter config from a policy section, or null when telemetry is off. */
export function telemetryConfigFromPolicy(input: unknown): TelemetryConfig | null {
  const parsed = TelemetryPolicy.safeParse(input ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PaddockError('BAD_INPUT', `telemetry.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}. Fix the telemetry section of the policy.`);
  }
  const p = parsed.data;
  if (!p.enabled) return null;
  if (!p.endpoint) throw new PaddockError('BAD_INPUT', 'telemetry.enabled is true but telemetry.endpoint is missing. Set the OTLP/HTTP logs URL.');
  return { endpoint: p.endpoint, headers: p.headers, logPrompts: p.logPrompts, maxQueueSize: p.maxQueueSize };
}
