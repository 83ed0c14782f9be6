import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCli, summary, tempHome } from '../helpers/paddock-cli.js';

// With telemetry on in the policy, `paddock run` exports OTLP/HTTP logs to the endpoint it names:
// here a real collector endpoint this test runs on loopback.
const home = tempHome();
let repo: string;
let server: Server;
let port = 0;
const bodies: string[] = [];

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'paddock-otel-'));
  server = createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => {
      if (req.url === '/v1/logs' && req.headers['x-team'] === 'paddock-test') bodies.push(b);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
  writeFileSync(
    join(home.home, 'policy.yaml'),
    `version: 1\ntelemetry:\n  enabled: true\n  endpoint: http://127.0.0.1:${port}/v1/logs\n  headers: { x-team: paddock-test }\n`,
  );
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(repo, { recursive: true, force: true });
  home.cleanup();
});

describe('OpenTelemetry export from paddock run', () => {
  it('sends one record per event to the policy endpoint, without terminal traffic', async () => {
    const live = startCli(['run', '--repo', repo, '--no-tty', '--json', '--cmd', "printf 'secret-%s' terminal-text"], { PADDOCK_HOME: home.home });
    expect(await live.exit).toBe(0);
    expect(live.stdout()).toBe('secret-terminal-text'); // it was on the terminal...
    const id = summary(live.stderr()).session;
    const all = bodies.join('\n');
    for (const name of ['paddock.session_start', 'paddock.session_end', 'paddock.container']) expect(all).toContain(name);
    expect(all).toContain(id);
    expect(all).not.toContain('secret-terminal-text'); // ...and not in the export
  });
});
