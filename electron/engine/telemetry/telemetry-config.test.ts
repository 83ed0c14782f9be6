import { describe, expect, it } from 'vitest';
import { telemetryConfigFromPolicy } from './telemetry-config.js';

describe('telemetryConfigFromPolicy', () => {
  it('is off by default', () => expect(telemetryConfigFromPolicy(undefined)).toBeNull());
  it('builds the exporter config, prompts redacted unless allowed', () => {
    expect(telemetryConfigFromPolicy({ enabled: true, endpoint: 'http://127.0.0.1:4318/v1/logs', headers: { a: 'b' } })).toEqual({
      endpoint: 'http://127.0.0.1:4318/v1/logs',
      headers: { a: 'b' },
      logPrompts: false,
      maxQueueSize: 2048,
    });
  });
  it('says what is wrong', () => {
    expect(() => telemetryConfigFromPolicy({ enabled: true })).toThrow(/endpoint is missing/);
    expect(() => telemetryConfigFromPolicy({ enabled: true, endpoint: 'ftp://x' })).toThrow(/telemetry\.endpoint/);
    expect(() => telemetryConfigFromPolicy({ enabled: true, endpont: 'x' })).toThrow(/telemetry/);
  });
});
