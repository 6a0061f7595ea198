/** The web inbox's page: plain HTML, CSS and a little JavaScript (no dependencies). See inbox.ts. */
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function inboxPage(title: string): string {
	return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  :root { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2933; background: #f3f5f8; }
  body { margin: 0; }
  header { background: #0b3b66; color: #fff; padding: 12px 20px; display: flex; align-items: baseline; gap: 16px; }
  header h1 { font-size: 18px; margin: 0; white-space: nowrap; }
  header span { opacity: .8; font-size: 13px; }
  main { display: grid; grid-template-columns: 300px 1fr; gap: 16px; padding: 16px 20px; }
  aside, section.person { background: #fff; border-radius: 8px; box-shadow: 0 1px 3px rgba(0,0,0,.12); padding: 12px 14px; }
  aside h2, section.person h2 { font-size: 15px; margin: 0 0 8px; }
  aside button.scenario { display: block; width: 100%; text-align: left; margin: 6px 0; padding: 8px 10px; border: 1px solid #c5d0dc;
    background: #f8fafc; border-radius: 6px; cursor: pointer; font: inherit; }
  aside button.scenario:hover { background: #eaf2fb; }
  aside button.scenario small { display: block; color: #52606d; font-size: 12px; margin-top: 2px; }
  #log { font-size: 12px; color: #323f4b; white-space: pre-wrap; margin-top: 10px; max-height: 260px; overflow: auto; }
  #people { display: flex; flex-direction: column; gap: 12px; }
  .who { color: #52606d; font-size: 12px; font-weight: normal; }
  .message { border-left: 4px solid #2680c2; padding: 6px 10px; margin: 8px 0; background: #f8fafc; border-radius: 0 6px 6px 0; }
  .message.ch-mraPush { border-left-color: #6b3fa0; }
  .message.ch-sms { border-left-color: #c27c0e; }
  .message.ch-email { border-left-color: #3f6b7a; }
  .message.ch-appworks { border-left-color: #0f8a6c; }
  .message.critical { border-left-color: #d64545; }
  .channel { display: inline-block; font-size: 11px; font-weight: 600; color: #fff; background: #2680c2; border-radius: 4px; padding: 1px 6px; margin-right: 6px; vertical-align: 2px; }
  .channel.ch-mraPush { background: #6b3fa0; }
  .channel.ch-sms { background: #c27c0e; }
  .channel.ch-email { background: #3f6b7a; }
  .channel.ch-appworks { background: #0f8a6c; }
  .message .link { font-size: 12px; word-break: break-all; }
  .message .title { font-weight: 600; font-size: 15px; }
  .message .body { margin: 2px 0 4px; font-size: 14px; }
  .message .meta { font-size: 11px; color: #7b8794; }
  button.ack { margin-top: 4px; padding: 4px 12px; border-radius: 5px; border: 0; background: #d64545; color: #fff; cursor: pointer; font: inherit; }
  .ackstate { font-size: 12px; margin-top: 4px; }
  .ackstate.ok { color: #207227; }
  .ackstate.failed { color: #b42318; }
  .directory { font-size: 12px; color: #207227; font-family: ui-monospace, monospace; }
  .empty { color: #52606d; }
</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><span>Each card is a person's phone and mailbox: what Firebase, OpenText Cloud Messaging (push, SMS, email) and the AppWorks Gateway delivered to them, live.</span></header>
<main>
  <aside>
    <h2>Scenarios</h2>
    <div id="scenarios"></div>
    <div id="log"></div>
  </aside>
  <div id="people"><p class="empty">No notifications yet. Run a scenario: the directory trigger polls once a minute.</p></div>
</main>
<script>
const esc = (t) => String(t ?? '').replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
const log = (line) => { const el = document.getElementById('log'); el.textContent = new Date().toLocaleTimeString() + '  ' + line + '\\n' + el.textContent; };
const UNKNOWN = { token: 'device', phone: 'phone number', email: 'mailbox', user: 'user', group: 'group', topic: 'topic', condition: 'condition' };
let scenariosShown = false;
async function post(url) {
  const res = await fetch(url, { method: 'POST' });
  return await res.json();
}
async function runScenario(name) {
  log('running ' + name + '...');
  try { const r = await post('/inbox/api/scenarios/' + name); log((r.ok ? '' : 'failed: ') + r.text); } catch (e) { log('failed: ' + e.message); }
  refresh();
}
async function acknowledge(n, button) {
  button.disabled = true; button.textContent = 'Acknowledging...';
  try { await post('/inbox/api/messages/' + n + '/ack'); } catch (e) { log('acknowledgment failed: ' + e.message); }
  refresh();
}
function render(state) {
  if (!scenariosShown && state.scenarios.length) {
    scenariosShown = true;
    document.getElementById('scenarios').innerHTML = state.scenarios.map((s) =>
      '<button class="scenario" data-scenario="' + esc(s.name) + '">' + esc(s.title) + '<small>' + esc(s.description) + '</small></button>').join('');
    for (const b of document.querySelectorAll('button.scenario')) b.onclick = () => runScenario(b.dataset.scenario);
  }
  if (!state.messages.length) return;
  const byPerson = new Map();
  for (const m of state.messages) {
    const key = m.person ? m.person.id : m.addressKind + ':' + m.address;
    if (!byPerson.has(key)) byPerson.set(key, { key, person: m.person, address: m.address, kind: m.addressKind, messages: [] });
    byPerson.get(key).messages.push(m);
  }
  const groups = [...byPerson.values()].sort((a, b) => b.messages[b.messages.length - 1].n - a.messages[a.messages.length - 1].n);
  document.getElementById('people').innerHTML = groups.map((g) => {
    const name = g.person ? g.person.displayName : 'Unknown ' + (UNKNOWN[g.kind] || g.kind);
    const who = g.person ? [g.person.id, g.person.title, g.person.department].filter(Boolean).join(' · ') : g.address;
    const cards = g.messages.slice().reverse().map((m) => {
      const critical = m.data.ackUrl ? ' critical' : '';
      let ack = '';
      if (m.data.ackUrl) {
        if (m.acknowledgeable) ack += '<button class="ack" data-n="' + m.n + '">Acknowledge</button>';
        else if (!m.ack && m.directory) ack += '<div class="ackstate ok">Acknowledged through its link</div>';
        if (m.ack) ack += '<div class="ackstate ' + (m.ack.state === 'failed' ? 'failed' : 'ok') + '">' +
          (m.ack.state === 'failed' ? 'Not recorded: ' + esc(m.ack.detail) : m.ack.state === 'sending' ? 'Sending...' : 'Acknowledged (' + esc(m.ack.detail) + ')') + '</div>';
        ack += m.directory ? '<div class="directory">Recorded in the directory: otdpAcknowledgment = ' + esc(m.directory) + '</div>'
          : (m.ack && m.ack.state !== 'failed' ? '<div class="ackstate">Waiting for the directory record...</div>' : '');
      }
      const title = m.title || (m.channel === 'sms' ? '' : '(data only)');
      return '<div class="message ch-' + esc(m.channel) + critical + '" data-n="' + m.n + '" data-channel="' + esc(m.channel) + '"' + (m.data.noticeId ? ' data-notice="' + esc(m.data.noticeId) + '"' : '') + '>' +
        '<div class="title"><span class="channel ch-' + esc(m.channel) + '">' + esc(m.channelLabel) + '</span>' + esc(title) + '</div><div class="body">' + esc(m.body) + '</div>' +
        (m.link && m.channel !== 'sms' ? '<div class="link">' + esc(m.link) + '</div>' : '') +
        '<div class="meta">' + esc(new Date(m.receivedAt).toLocaleTimeString()) + (m.data.eventType ? ' · ' + esc(m.data.eventType) : '') + (m.sender ? ' · from ' + esc(m.sender) : '') + '</div>' + ack + '</div>';
    }).join('');
    return '<section class="person" data-person="' + esc(g.person ? g.person.id : g.key) + '"><h2>' + esc(name) + ' <span class="who">' + esc(who) + '</span></h2>' + cards + '</section>';
  }).join('');
  for (const b of document.querySelectorAll('button.ack')) b.onclick = () => acknowledge(Number(b.dataset.n), b);
}
let last = '';
async function refresh() {
  try {
    const text = await (await fetch('/inbox/api/state')).text();
    if (text === last) return; // re-render only on news, so buttons stay put under the pointer
    last = text;
    render(JSON.parse(text));
  } catch (e) { /* the demo may be stopping */ }
}
refresh();
setInterval(refresh, 1500);
</script>
</body>
</html>
`;
}
