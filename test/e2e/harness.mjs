/* global document */
// Shared e2e helpers: build what is stale, start `paddock serve` on a temp data dir, launch Debian's Chromium.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const SHOTS = join(ROOT, 'test/e2e/screenshots');
export const CHROMIUM = process.env.PADDOCK_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

function newest(dir, exts) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, exts));
    else if (exts.some((x) => e.name.endsWith(x))) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

function run(cmd, args, { fatal = true } = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0 && fatal) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr}`);
}

let built = false;
/** The renderer is rebuilt every run (seconds); the engine's tsc output only when a source is newer. */
export function buildOnce() {
  if (built) return;
  built = true;
  run('npx', ['electron-vite', 'build']);
  const out = join(ROOT, 'out/node/cli/commands/serve.js');
  if (!existsSync(out) || newest(join(ROOT, 'electron'), ['.ts']) > statSync(out).mtimeMs) run('npx', ['tsc', '-p', 'tsconfig.node.json'], { fatal: false }); // emits even when another folder has type errors
}

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** `paddock serve` on a temp PADDOCK_HOME; resolves once it printed its URL. */
export async function startServe(home) {
  const child = spawn(process.execPath, [join(ROOT, 'test/e2e/serve-launcher.mjs')], {
    cwd: ROOT,
    env: { ...process.env, PADDOCK_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Paddock UI: (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`paddock serve exited (${code}) before printing its URL: ${err}`)));
  });
  return {
    url,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null) child.kill('SIGINT');
      return exited;
    },
  };
}

export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) return null;
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

export function shotPath(name) {
  mkdirSync(SHOTS, { recursive: true });
  return join(SHOTS, `${name}.png`);
}

/** Console errors and CSP violations of a page: a product page has none. */
export function watchConsole(page) {
  const problems = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(String(e)));
  return problems;
}

/** The text an xterm shows (DOM renderer rows), spaces normalised. */
export function terminalText(page, testid = 'terminal') {
  return page.locator(`[data-testid="${testid}"] .xterm-rows`).innerText().then((t) => t.replace(/\u00a0/g, ' '));
}

/** Waits until the terminal shows every `includes` string and none of `excludes`. */
export async function waitForTerminal(page, { includes = [], excludes = [] }, timeout = 60_000) {
  await page.waitForFunction(
    ([inc, exc]) => {
      const el = document.querySelector('[data-testid="terminal"] .xterm-rows');
      const text = (el?.textContent ?? '').replace(/\u00a0/g, ' ');
      return inc.every((s) => text.includes(s)) && !exc.some((s) => text.includes(s));
    },
    [includes, excludes],
    { timeout },
  );
}

export function cleanup(...dirs) {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

export function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}
