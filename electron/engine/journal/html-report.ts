import type { Finding } from './journal-analysis.js';
import type { SessionReport } from './report-model.js';

/**
 * The audit report: one self-contained HTML file (inline CSS, no script, no external
 * resource, CSP `default-src 'none'`). Everything from the journal is untrusted agent output
 * and goes through `esc` — never into markup unescaped.
 */
export function esc(s: string | number | null | undefined): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function time(t: number | null | undefined): string {
  return t == null ? '—' : new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function rel(t: number, start: number | null): string {
  const s = Math.max(0, (t - (start ?? t)) / 1000);
  return `+${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')}`;
}

function badge(v: string): string {
  const cls = v === 'allow' ? 'ok' : v === 'deny' ? 'bad' : v === 'ask' || v === 'pending' ? 'warn' : 'muted';
  return `<span class="b ${cls}">${esc(v)}</span>`;
}

function table(head: string[], rows: string[][], empty: string): string {
  if (rows.length === 0) return `<p class="muted">${esc(empty)}</p>`;
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function diffHtml(diff: string): string {
  return diff
    .split('\n')
    .map((l) => {
      const cls = l.startsWith('+++') || l.startsWith('---') ? 'dh' : l.startsWith('+') ? 'da' : l.startsWith('-') ? 'dd' : l.startsWith('@@') ? 'dh' : '';
      return `<span class="${cls}">${esc(l)}</span>`;
    })
    .join('\n');
}

export interface ReportVerification {
  ok: boolean;
  findings: Finding[];
  keyId: string | null;
  lastSignedSeq: number;
}

export function renderHtmlReport(r: SessionReport, v?: ReportVerification, generatedAt = Date.now()): string {
  const counts = { allow: 0, deny: 0, ask: 0 };
  for (const c of r.commands) if (c.verdict in counts) counts[c.verdict as keyof typeof counts]++;
  const verification = v
    ? `<p>${v.ok ? '<span class="b ok">journal verified</span>' : '<span class="b bad">journal FAILED verification</span>'} signing key ${esc(v.keyId ?? 'none')}, signed up to seq ${v.lastSignedSeq}</p>${
        v.findings.length ? `<ul>${v.findings.map((f) => `<li>${badge(f.severity === 'error' ? 'deny' : 'ask')} ${esc(f.kind)}: ${esc(f.message)}</li>`).join('')}</ul>` : ''
      }`
    : '<p class="muted">Not verified.</p>';
  const css = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#1b1f24}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.25em .5em;text-align:left;vertical-align:top}
code,pre{font:12px/1.4 ui-monospace,monospace}pre{background:#f6f8fa;padding:1em;overflow:auto;white-space:pre-wrap;word-break:break-all}
.b{border-radius:3px;padding:0 .4em;font-size:12px}.ok{background:#dafbe1}.bad{background:#ffebe9}.warn{background:#fff8c5}.muted{color:#666}
.da{color:#116329}.dd{color:#82071e}.dh{color:#0550ae}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}dt{color:#666}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Paddock session ${esc(r.sessionId)}</title><style>${css}</style></head><body>
<h1>Paddock session <code>${esc(r.sessionId)}</code></h1>
${verification}
<dl>
<dt>Started</dt><dd>${esc(time(r.startedAt))} by ${esc(r.user ?? '?')} on ${esc(r.host ?? '?')}</dd>
<dt>Ended</dt><dd>${esc(time(r.endedAt))} — ${esc(r.endReason ?? 'not recorded')}, exit code ${esc(r.exitCode ?? 'none')}</dd>
<dt>Repository</dt><dd><code>${esc(r.repo ?? '?')}</code></dd>
<dt>Image</dt><dd><code>${esc(r.image ?? '?')}</code> ${r.imageDigest ? `<code class="muted">${esc(r.imageDigest)}</code>` : ''}</dd>
<dt>Command</dt><dd><code>${esc(r.command ?? '?')}</code></dd>
<dt>Events</dt><dd>${r.events} (seq 1..${r.lastSeq}); terminal ${r.terminal.outputBytes} bytes out, ${r.terminal.inputBytes} in${r.recoveries ? `; ${r.recoveries} crash recover${r.recoveries > 1 ? 'ies' : 'y'}` : ''}</dd>
</dl>
<h2>Commands (${r.commands.length}: ${counts.allow} allowed, ${counts.deny} denied, ${counts.ask} asked)</h2>
${table(['time', 'decision', 'command', 'rule'], r.commands.map((c) => [esc(rel(c.time, r.startedAt)), badge(c.verdict), `<code>${esc(c.command)}</code>`, esc(c.rule ?? '')]), 'No command requests were recorded.')}
<h2>Hosts contacted (${r.hosts.length})</h2>
${table(['host', 'allowed', 'denied', 'rules'], r.hosts.map((h) => [`<code>${esc(h.host)}</code>`, String(h.allowed), h.denied ? `<span class="b bad">${h.denied}</span>` : '0', esc(h.rules.join('; '))]), 'No network decisions were recorded.')}
<h2>Approvals (${r.approvals.length})</h2>
${table(['asked', 'subject', 'answer', 'by', 'answered'], r.approvals.map((a) => [esc(rel(a.time, r.startedAt)), `<code>${esc(a.subject)}</code>`, badge(a.verdict), esc(a.by ?? '—'), esc(a.answeredAt ? rel(a.answeredAt, r.startedAt) : '—')]), 'No approvals were requested.')}
<h2>Changed files (${r.files.length})</h2>
${r.files.length ? `<ul>${r.files.map((f) => `<li><code>${esc(f)}</code></li>`).join('')}</ul>` : '<p class="muted">No file changes were recorded.</p>'}
${r.diff ? `<pre>${diffHtml(r.diff)}</pre>` : ''}
${r.errors.length ? `<h2>Errors (${r.errors.length})</h2>${table(['time', 'error'], r.errors.map((e) => [esc(rel(e.time, r.startedAt)), esc(e.summary)]), '')}` : ''}
<h2>Timeline</h2>
${table(['time', 'seq', 'event', 'detail'], r.timeline.map((t) => [esc(rel(t.time, r.startedAt)), String(t.seq), `<code>${esc(t.kind)}</code>`, esc(t.summary)]), 'No events.')}
${r.timelineOmitted ? `<p class="muted">${r.timelineOmitted} more events not shown; export the JSONL bundle for all of them.</p>` : ''}
<p class="muted">Generated by Paddock at ${esc(time(generatedAt))}. Terminal output is in the asciicast export.</p>
</body></html>
`;
}
