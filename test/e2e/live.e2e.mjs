// The live session's side panels in Debian's Chromium against `paddock serve` with the real
// engine: a session started from the form with an extra allowed host (a container on a network
// this test creates: nothing else is contacted) makes an allowed and a denied request, writes
// files in its git repo; the network feed and the changed files (with a diff) show them while it
// runs; pause freezes the container and resume thaws it. Screenshots in light and dark.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, assert, buildOnce, cleanup, launchBrowser, shotPath, startServe, tempDir, waitForTerminal, watchConsole } from './harness.mjs';

const tag = randomBytes(4).toString('hex');
const NET = `paddock-test-e2e-live-${tag}`;
const HOST = `paddock-test-e2e-live-host-${tag}`;

let ctx = null;

function docker(...args) {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function chownTree(path) {
  chownSync(path, 1000, 1000);
  if (statSync(path).isDirectory()) for (const e of readdirSync(path)) chownTree(join(path, e));
}

/** A git repo with one commit that the sandbox user (uid 1000) can write to. */
function gitRepo() {
  const repo = tempDir('paddock-e2e-live-repo-');
  writeFileSync(join(repo, 'README.md'), '# demo repo\n\nA repository for the live panels.\n');
  const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' };
  for (const args of [['init', '-q', '-b', 'main'], ['add', '.'], ['commit', '-q', '-m', 'init']]) execFileSync('git', args, { cwd: repo, env, stdio: 'ignore' });
  if (process.getuid?.() === 0) chownTree(repo);
  return repo;
}

async function setup(t) {
  if (ctx) return ctx;
  const browser = await launchBrowser();
  if (!browser) t.skip('no Chromium at /usr/bin/chromium (apt-get install -y chromium)');
  buildOnce();
  // "The internet": one HTTP server in a container on an internal network of this test's own.
  const { connectEngine } = await import(pathToFileURL(join(ROOT, 'out/node/engine/sandbox/docker-client.js')).href);
  const { ensureDefaultImage } = await import(pathToFileURL(join(ROOT, 'out/node/engine/sandbox/image-builder.js')).href);
  const image = (await ensureDefaultImage((await connectEngine()).docker)).tag;
  docker('network', 'create', '--internal', '--label', 'paddock.test=1', NET);
  docker('run', '-d', '--name', HOST, '--label', 'paddock.test=1', '--network', NET, '--user', '1000:1000', '--read-only', '--cap-drop', 'ALL', image, 'node', '-e', "require('http').createServer((q, s) => s.end('hello from the test host')).listen(8080)");
  const hostIp = docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${NET}").IPAddress}}`, HOST);
  const home = tempDir('paddock-e2e-live-home-');
  const repo = gitRepo();
  const server = await startServe(home);
  ctx = { browser, home, repo, server, hostIp };
  return ctx;
}

export async function teardown() {
  spawnSync('docker', ['rm', '-f', HOST], { stdio: 'ignore' });
  spawnSync('docker', ['network', 'rm', NET], { stdio: 'ignore' });
  if (!ctx) return;
  await ctx.browser.close();
  await ctx.server.stop();
  cleanup(ctx.home, ctx.repo);
  ctx = null;
}

/** Whether the session's container is frozen, as the engine says (not as the UI says). */
function containerPaused(sessionId) {
  const id = docker('ps', '-q', '--filter', `label=paddock.session=${sessionId}`);
  assert(id, `a container for session ${sessionId}`);
  return docker('inspect', '-f', '{{.State.Paused}}', id) === 'true';
}

export const tests = [
  {
    name: 'live panels: network feed, a changed file and its diff, pause and resume',
    async run(t) {
      const c = await setup(t);
      const context = await c.browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
      const page = await context.newPage();
      const problems = watchConsole(page);
      await page.goto(c.server.url);
      await page.locator('[data-app-state="ready"]').waitFor();

      const script = [
        `curl -sS -m 20 http://${c.hostIp}:8080/; echo`,
        `curl -sS -m 20 -o /dev/null -w 'refused: %{http_code}\\n' http://${c.hostIp}:9090/upload`,
        "printf 'write? '; read a",
        'echo "notes written by the agent" > notes.md',
        'printf "\\nAdded by the session.\\n" >> README.md',
        "echo wrote; printf 'finish? '; read b; echo bye",
      ].join('; ');
      await page.getByRole('button', { name: 'New session' }).click();
      await page.getByLabel('Repository').fill(c.repo);
      await page.getByLabel('Command').fill(script);
      await page.getByLabel('Extra allowed hosts').fill(`${c.hostIp}:8080`);
      await page.getByRole('checkbox', { name: 'npm' }).check();
      // Unattended: the request that matches no rule is denied at once (in "ask" it would wait in the inbox).
      await page.getByLabel('Approvals').selectOption('deny');
      await page.screenshot({ path: shotPath('20-new-session-network') });
      await page.getByRole('button', { name: 'Start session' }).click();
      await waitForTerminal(page, { includes: ['hello from the test host', 'refused: 403', 'write? '] });
      const sessionId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]);

      // Network: the allowed and the denied request, and the filter.
      await page.getByRole('tab', { name: 'Network' }).click();
      const requests = page.getByRole('list', { name: 'Network requests' });
      await requests.getByText(`${c.hostIp}:9090`).waitFor();
      await requests.getByText(`${c.hostIp}:8080`).waitFor();
      await page.screenshot({ path: shotPath('21-live-network') });
      await page.getByRole('button', { name: /^Denied/ }).click();
      await requests.getByText(`${c.hostIp}:9090`).waitFor();
      assert((await requests.getByRole('listitem').count()) === 1, 'only the denied request under "Denied" (not the proxy self-check)');
      assert((await requests.getByText('denied', { exact: true }).count()) === 1, 'it is marked denied');

      // Files: nothing yet; the session writes; the files appear (live) and the diff shows.
      await page.getByRole('tab', { name: 'Files' }).click();
      await page.getByText('No files changed yet.').waitFor();
      await page.getByTestId('terminal').click();
      await page.keyboard.press('Enter');
      await waitForTerminal(page, { includes: ['wrote', 'finish? '] });
      const files = page.getByRole('list', { name: 'Changed files' });
      await files.getByText('notes.md').waitFor({ timeout: 30_000 });
      await files.getByText('README.md').click();
      const diff = page.getByRole('figure', { name: 'Diff of README.md' });
      await diff.getByText('+Added by the session.').waitFor();
      await page.screenshot({ path: shotPath('22-live-files-diff') });

      // Pause: the engine's container is frozen, the UI says paused; resume thaws it.
      await page.getByRole('button', { name: 'Pause' }).click();
      await page.getByRole('button', { name: 'Resume' }).waitFor();
      await page.locator('.badge', { hasText: 'Paused' }).waitFor();
      assert(containerPaused(sessionId), 'the container is paused');
      await page.screenshot({ path: shotPath('23-live-paused') });
      await page.getByRole('button', { name: 'Resume' }).click();
      await page.getByRole('button', { name: 'Pause' }).waitFor();
      assert(!containerPaused(sessionId), 'the container runs again');
      await page.getByRole('tab', { name: 'Events' }).click();
      await page.getByTestId('events-feed').getByText(/paused by the user/).waitFor();
      await page.getByTestId('events-feed').getByText(/resumed by the user/).waitFor();

      // Dark: the same live screen with the diff.
      const dark = await c.browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
      const darkPage = await dark.newPage();
      const darkProblems = watchConsole(darkPage);
      await darkPage.goto(`${c.server.url}#/live/${sessionId}`);
      await darkPage.getByRole('tab', { name: 'Files' }).click();
      await darkPage.getByRole('list', { name: 'Changed files' }).getByText('notes.md').click();
      await darkPage.getByRole('figure', { name: 'Diff of notes.md' }).getByText('+notes written by the agent').waitFor();
      await darkPage.screenshot({ path: shotPath('24-live-files-dark') });
      await darkPage.getByRole('tab', { name: 'Network' }).click();
      await darkPage.getByRole('list', { name: 'Network requests' }).getByText(`${c.hostIp}:8080`).waitFor();
      await darkPage.screenshot({ path: shotPath('25-live-network-dark') });
      await dark.close();

      // The end: the files come from the record made at the end.
      await page.getByTestId('terminal').click();
      await page.keyboard.press('Enter');
      await page.getByRole('link', { name: 'Open replay' }).waitFor({ timeout: 60_000 });
      await page.getByRole('tab', { name: 'Files' }).click();
      await page.getByText(/recorded at the end/).waitFor();
      await page.getByRole('list', { name: 'Changed files' }).getByText('notes.md').waitFor();
      assert(problems.length + darkProblems.length === 0, `console errors: ${[...problems, ...darkProblems].join(' | ')}`);
      await context.close();
    },
  },
];
