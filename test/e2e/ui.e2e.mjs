// The renderer in Debian's Chromium against `paddock serve` with the real engine: a session on a
// temp repo from the new-session form, its output and input in the terminal, its end, its replay
// (seek by timeline marker), the HTML report export, policy and settings, approvals answered in
// the inbox and in the live screen's panel (the shell gate asks, the answer reaches the program).
// Screenshots of each screen.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assert, buildOnce, cleanup, launchBrowser, shotPath, startServe, tempDir, terminalText, waitForTerminal, watchConsole } from './harness.mjs';

const SCRIPT = 'echo "hello from paddock"; printf "ready> "; read line; echo "got: $line"; sleep 1; echo "step two"; sleep 1; echo "all done"';

let ctx = null;
async function setup(t) {
  if (ctx) return ctx;
  const browser = await launchBrowser();
  if (!browser) t.skip('no Chromium at /usr/bin/chromium (apt-get install -y chromium)');
  buildOnce();
  const home = tempDir('paddock-e2e-home-');
  const repo = tempDir('paddock-e2e-repo-');
  writeFileSync(join(repo, 'README.md'), '# demo repo\n');
  const server = await startServe(home);
  ctx = { browser, home, repo, server, sessionId: null };
  return ctx;
}

export async function teardown() {
  if (!ctx) return;
  await ctx.browser.close();
  await ctx.server.stop();
  cleanup(ctx.home, ctx.repo);
  ctx = null;
}

async function newPage(c, colorScheme = 'light') {
  const context = await c.browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme, acceptDownloads: true });
  const page = await context.newPage();
  const problems = watchConsole(page);
  return { page, problems, close: () => context.close() };
}

export const tests = [
  {
    name: 'start a session from the form, see its output, type into it, see it end',
    async run(t) {
      const c = await setup(t);
      const { page, problems, close } = await newPage(c);
      await page.goto(c.server.url);
      await page.locator('[data-app-state="ready"]').waitFor();
      await page.getByTestId('empty-state').waitFor();
      await page.screenshot({ path: shotPath('01-sessions-empty') });

      await page.getByRole('button', { name: 'New session' }).click();
      await page.getByLabel('Repository').fill(c.repo);
      await page.getByLabel('Command').fill(SCRIPT);
      await page.screenshot({ path: shotPath('02-new-session-form') });
      await page.getByRole('button', { name: 'Start session' }).click();

      await page.getByRole('heading', { name: /hello from paddock/ }).waitFor();
      await waitForTerminal(page, { includes: ['hello from paddock', 'ready>'] });
      c.sessionId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]);
      await page.screenshot({ path: shotPath('03-live-running') });

      await page.getByTestId('terminal').click();
      await page.keyboard.type('abc');
      await page.keyboard.press('Enter');
      await waitForTerminal(page, { includes: ['got: abc'] });

      await page.getByRole('link', { name: 'Open replay' }).waitFor({ timeout: 60_000 });
      await waitForTerminal(page, { includes: ['all done'] });
      await page.getByTestId('events-feed').getByText(/ended: exit 0/).waitFor();
      await page.screenshot({ path: shotPath('04-live-ended') });

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sessions' }).click();
      const row = page.locator(`[data-session-id="${c.sessionId}"]`);
      await row.getByText('Ended').waitFor();
      await page.screenshot({ path: shotPath('05-sessions-list') });
      assert(problems.length === 0, `console errors: ${problems.join(' | ')}`);
      await close();
    },
  },
  {
    name: 'replay: markers seek to the right screen, search, export the HTML report',
    async run(t) {
      const c = await setup(t);
      if (!c.sessionId) throw new Error('the session test did not run first');
      const { page, problems, close } = await newPage(c);
      await page.goto(c.server.url);
      await page.locator(`[data-session-id="${c.sessionId}"]`).getByRole('link', { name: 'Replay' }).click();
      await page.getByRole('group', { name: 'Timeline markers' }).waitFor();
      await waitForTerminal(page, { includes: ['got: abc', 'all done'] });

      // The start of the program: nothing of what came later is on screen.
      await page.locator('[data-testid="timeline-marker"][data-kind="session.started"]').click();
      await waitForTerminal(page, { excludes: ['got: abc', 'step two', 'all done'] });
      await page.screenshot({ path: shotPath('06-replay-at-start') });

      // The end: the whole run.
      await page.locator('[data-testid="timeline-marker"][data-kind="session.ended"]').click();
      await waitForTerminal(page, { includes: ['hello from paddock', 'got: abc', 'step two', 'all done'] });
      const text = await terminalText(page);
      assert(text.indexOf('step two') < text.indexOf('all done'), 'output in order');

      await page.getByLabel('Search the recording').fill('step two');
      await page.getByRole('button', { name: 'Search' }).click();
      // The command line itself (in session.created) matches too: take the terminal output hit.
      const hit = page.getByRole('list', { name: 'Search results' }).getByRole('button').filter({ hasText: 'output' }).first();
      await hit.waitFor();
      await hit.click();
      await waitForTerminal(page, { includes: ['step two'], excludes: ['all done'] });
      await page.screenshot({ path: shotPath('07-replay-search') });

      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export HTML report' }).click()]);
      const saved = join(c.home, 'report.html');
      await download.saveAs(saved);
      const html = readFileSync(saved, 'utf8');
      assert(download.suggestedFilename() === `paddock-${c.sessionId}.html`, `file name ${download.suggestedFilename()}`);
      assert(/<html/i.test(html) && html.includes(c.sessionId), 'the report names the session');
      assert(problems.length === 0, `console errors: ${problems.join(' | ')}`);
      await close();
    },
  },
  {
    name: 'policy: effective policy with provenance, test a command',
    async run(t) {
      const c = await setup(t);
      const { page, problems, close } = await newPage(c);
      await page.goto(`${c.server.url}#/policy`);
      await page.getByRole('table', { name: 'Effective policy' }).waitFor();
      assert((await page.getByTestId('policy-row').count()) > 5, 'policy rows shown');
      await page.getByLabel('Command line').fill('git push --force origin main');
      await page.getByRole('button', { name: 'Check' }).click();
      await page.getByTestId('verdict').waitFor();
      await page.screenshot({ path: shotPath('08-policy'), fullPage: false });
      assert(problems.length === 0, `console errors: ${problems.join(' | ')}`);
      await close();
    },
  },
  {
    name: 'policy editor: add a forbid rule to the user policy, save, test a command; a bad edit shows its line',
    async run(t) {
      const c = await setup(t);
      const { page, problems, close } = await newPage(c);
      const file = join(c.home, 'policy.yaml');
      await page.goto(`${c.server.url}#/policy`);
      await page.getByRole('tab', { name: 'Your policy' }).click();
      const editor = page.getByTestId('editor-user');
      await editor.getByText(file, { exact: true }).waitFor();
      await editor.getByText('new file').waitFor();

      await editor.getByRole('button', { name: 'Add command rule' }).click();
      const form = editor.getByRole('form', { name: 'New command rule' });
      await form.getByLabel('ID', { exact: true }).fill('no-deploy-e2e');
      await form.getByLabel('Decision', { exact: true }).selectOption('forbid');
      await form.getByLabel('Pattern', { exact: true }).fill('make deploy');
      await form.getByLabel(/Justification/).fill('deploys go through CI');
      await form.getByLabel('Examples that must match (one command line per line)').fill('cd app && make deploy');
      await form.getByLabel('Examples that must not match').fill('make test');
      await page.screenshot({ path: shotPath('12-policy-rule-form') });
      await form.getByRole('button', { name: 'Add rule' }).click();
      await editor.locator('[data-testid="command-rule"][data-rule-id="no-deploy-e2e"]').waitFor();
      await editor.getByText('draft loads').waitFor();
      await editor.getByRole('button', { name: 'Save' }).click();
      await editor.getByText(`Saved ${file}.`, { exact: false }).waitFor();
      const saved = readFileSync(file, 'utf8');
      assert(saved.includes('id: no-deploy-e2e') && saved.includes('decision: forbid'), `the rule is in the file: ${saved}`);

      await page.getByLabel('Command line', { exact: true }).fill('cd app && make deploy');
      await page.getByRole('button', { name: 'Check' }).click();
      const verdict = page.getByTestId('verdict');
      await verdict.getByText('no-deploy-e2e', { exact: true }).first().waitFor();
      const v = await verdict.innerText();
      assert(/forbid/.test(v) && v.includes('deploys go through CI') && new RegExp(`no-deploy-e2e — ${file}:\\d+:\\d+`).test(v), `verdict: ${v}`);
      await page.screenshot({ path: shotPath('13-policy-saved-verdict') });

      // A bad edit (a misspelt key on line 6): the real loader refuses it at that line, nothing is written.
      await editor.getByRole('tab', { name: /YAML/ }).click();
      const area = editor.getByLabel('user policy YAML');
      const bad = saved.replace('      pattern: make deploy', '      patern: make deploy');
      const badLine = bad.split('\n').findIndex((l) => l.includes('patern:')) + 1;
      await area.fill(bad);
      await editor.getByRole('button', { name: 'Save' }).click();
      const problem = editor.getByTestId('editor-problem').first();
      await problem.waitFor();
      const text = await problem.innerText();
      assert((await problem.getAttribute('data-line')) !== null, `the problem has a line: ${text}`);
      assert(text.includes('POLICY_INVALID'), `problem: ${text}`);
      const mark = editor.getByTestId('line-mark').first();
      const markLine = Number(await mark.getAttribute('data-line'));
      assert(markLine === badLine || markLine === badLine - 2, `the mark is at the rule or its key (line ${markLine}, bad key on ${badLine}): ${text}`);
      assert(readFileSync(file, 'utf8') === saved, 'nothing written on a refused save');
      await page.screenshot({ path: shotPath('14-policy-error-at-line') });
      assert(problems.length === 0, `console errors: ${problems.join(' | ')}`);
      await close();

      const dark = await newPage(c, 'dark');
      await dark.page.goto(`${c.server.url}#/policy`);
      await dark.page.getByRole('tab', { name: 'Your policy' }).click();
      await dark.page.getByTestId('editor-user').locator('[data-rule-id="no-deploy-e2e"]').waitFor();
      await dark.page.screenshot({ path: shotPath('15-policy-editor-dark') });
      assert(dark.problems.length === 0, `console errors: ${dark.problems.join(' | ')}`);
      await dark.close();
    },
  },
  {
    name: 'settings: "build" on the cached default image reports up to date with live progress; telemetry shown',
    async run(t) {
      const c = await setup(t);
      const { page, problems, close } = await newPage(c, 'dark');
      await page.goto(`${c.server.url}#/settings`);
      const table = page.getByRole('table', { name: 'Image build state' });
      await table.waitFor();
      await table.getByRole('button', { name: 'Build Default agent image' }).click();
      await page.getByTestId('build-result').getByText(/is up to date: nothing to build/).waitFor({ timeout: 120_000 });
      const lines = await page.getByTestId('progress-line').allInnerTexts();
      assert(lines[0]?.startsWith('checking paddock/agent:') && lines.at(-1)?.endsWith('is up to date (nothing to build)'), `progress: ${lines.join(' | ')}`);
      await page.screenshot({ path: shotPath('16-settings-build-dark') });
      await page.getByTestId('telemetry-endpoint').scrollIntoViewIfNeeded();
      await page.getByTestId('telemetry-endpoint').getByText('(none)').waitFor();
      await page.screenshot({ path: shotPath('17-settings-telemetry-dark') });
      assert(problems.length === 0, `console errors: ${problems.join(' | ')}`);
      await close();
    },
  },
  {
    name: 'settings: the engine is connected; dark mode renders',
    async run(t) {
      const c = await setup(t);
      const { page, problems, close } = await newPage(c);
      await page.goto(`${c.server.url}#/settings`);
      await page.getByTestId('engine-state').getByText('Connected').waitFor();
      await page.screenshot({ path: shotPath('09-settings') });
      await close();
      const dark = await newPage(c, 'dark');
      await dark.page.goto(`${c.server.url}#/replay/${c.sessionId}`);
      await waitForTerminal(dark.page, { includes: ['all done'] });
      await dark.page.screenshot({ path: shotPath('10-replay-dark') });
      await dark.page.goto(`${c.server.url}#/sessions`);
      await dark.page.getByTestId('session-row').first().waitFor();
      await dark.page.screenshot({ path: shotPath('11-sessions-dark') });
      assert(problems.length + dark.problems.length === 0, `console errors: ${[...problems, ...dark.problems].join(' | ')}`);
      await dark.close();
    },
  },
  {
    name: 'approvals: the shell gate asks; allow once in the inbox runs it, deny with a reason reaches the program, the panel answers inline',
    async run(t) {
      const c = await setup(t);
      const { page, problems, close } = await newPage(c);
      const node = (expr) => `bash -c "node -e 'console.log(String(${expr}))'"`;
      // Each `bash -c` goes through the session's shell gate; the default policy asks about `node -e`.
      const script = `${node('6*7')}; echo "rc1=$?"; ${node('7*8')}; echo "rc2=$?"; ${node('8*9')}; echo "rc3=$?"`;
      await page.goto(c.server.url);
      await page.locator('[data-app-state="ready"]').waitFor();
      await page.getByRole('button', { name: 'New session' }).click();
      await page.getByLabel('Repository').fill(c.repo);
      await page.getByLabel('Command').fill(script);
      assert((await page.getByLabel('Approvals').inputValue()) === 'ask', 'ask is the default approval mode');
      await page.getByRole('button', { name: 'Start session' }).click();
      await page.waitForURL(/#\/live\//);
      const liveUrl = page.url();
      const sessionId = decodeURIComponent(new URL(liveUrl).hash.split('/')[2]);

      // The request shows in the session's panel and in the inbox, with what it wants and why.
      const panel = page.getByRole('complementary', { name: 'Pending approvals' });
      await panel.getByTestId('approval').getByText(`node -e 'console.log(String(6*7))'`).first().waitFor({ timeout: 60_000 });
      await page.screenshot({ path: shotPath('12-live-approval-panel') });
      const nav = page.getByRole('navigation', { name: 'Main' });
      await nav.getByTestId('approvals-nav-count').getByText('1').waitFor();
      await nav.getByRole('link', { name: /Approvals/ }).click();
      const inbox = page.getByRole('list', { name: 'Pending approvals' });
      const first = inbox.getByTestId('approval');
      await first.waitFor();
      const card = await first.innerText();
      assert(card.includes(c.repo) && card.includes(sessionId), 'the card names the repo and the session');
      assert(/commands\.default/.test(card) && /no rule matches/.test(card), 'the card shows the rule and why');
      await page.screenshot({ path: shotPath('13-approvals-inbox') });
      await first.getByRole('button', { name: 'Allow once' }).click();

      // The second ask: deny with a reason for the program.
      await inbox.getByTestId('approval').getByText(`node -e 'console.log(String(7*8))'`).waitFor({ timeout: 60_000 });
      const second = inbox.getByTestId('approval');
      await second.getByLabel(/Reason for the agent/).fill('no node today, use the cached result');
      await second.getByRole('button', { name: 'Deny' }).click();

      // The third, in dark mode in the inbox, then answered inline in the live screen's panel.
      await page.getByText(`node -e 'console.log(String(8*9))'`).first().waitFor({ timeout: 60_000 });
      const dark = await newPage(c, 'dark');
      await dark.page.goto(`${c.server.url}#/approvals`);
      await dark.page.getByTestId('approval').waitFor();
      await dark.page.screenshot({ path: shotPath('14-approvals-inbox-dark') });
      await dark.close();
      await page.goto(liveUrl);
      await panel.getByTestId('approval').getByRole('button', { name: 'Allow once' }).click();

      await waitForTerminal(page, { includes: ['42', 'rc1=0', 'paddock: denied:', 'no node today, use the cached result', 'rc2=126', '72', 'rc3=0'] });
      await panel.getByText(/Nothing waiting/).waitFor();
      await page.screenshot({ path: shotPath('15-live-after-approvals') });
      const text = await terminalText(page);
      assert(!text.includes('56'), 'the denied command did not run');
      await page.goto(`${c.server.url}#/approvals`);
      await page.getByText('Nothing is waiting for you').waitFor();
      assert(problems.length + dark.problems.length === 0, `console errors: ${[...problems, ...dark.problems].join(' | ')}`);
      await close();
    },
  },
];
