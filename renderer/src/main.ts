// Renderer entry. The React UI (sessions, approvals, replay, policy) arrives with the desktop issue.
const root = document.getElementById('root');
if (root) {
  root.textContent = 'Paddock — use `paddock run` from a terminal; the desktop UI is not built yet.';
  root.setAttribute('data-app-state', 'ready');
}
