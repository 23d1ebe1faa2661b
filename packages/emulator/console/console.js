// The local server's web console: plain DOM and SVG, no framework, nothing from a CDN.
// Live state arrives as server-sent events (one aggregated event per second), read with fetch so
// that the bearer token goes in a header; everything else is a JSON call under /console/api.

const API = '/console/api';
const HISTORY_SECONDS = 300;
const $ = (selector) => document.querySelector(selector);

let token = sessionStorage.getItem('zerobus-console-token') ?? '';
let selected = '';
let selectedVersion = null;
let detailsPending = false;
let detailsAt = 0;
/** A busy table commits many times a second: its details are re-read at most this often. */
const DETAILS_EVERY_MS = 2000;
/** Per table: [time, records/s] of the last minutes. */
const series = new Map();

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

async function api(path, options = {}) {
  const headers = { ...(options.body ? { 'content-type': 'application/json' } : {}) };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${API}${path}`, { ...options, headers });
  const body = await response.json().catch(() => ({}));
  if (response.status === 401) showLogin('the server refused the token: log in again');
  if (!response.ok) throw new Error(body.message ?? `HTTP ${response.status}`);
  return body;
}

const count = (n) => Number(n).toLocaleString('en-US');
const megabytes = (bytes) => (bytes / 1e6).toFixed(2);
function size(bytes) {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

// ---- login ------------------------------------------------------------------------------------

function showLogin(message) {
  token = '';
  sessionStorage.removeItem('zerobus-console-token');
  $('#login').hidden = false;
  $('#app').hidden = true;
  $('#login-error').textContent = message ?? '';
}

async function logIn(event) {
  event.preventDefault();
  const pasted = $('#token').value.trim();
  if (pasted) {
    token = pasted;
  } else {
    const basic = btoa(`${$('#client-id').value}:${$('#client-secret').value}`);
    const response = await fetch(config.tokenPath, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=all-apis',
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || typeof body.access_token !== 'string') {
      $('#login-error').textContent = 'the token endpoint refused these credentials';
      return;
    }
    token = body.access_token;
  }
  sessionStorage.setItem('zerobus-console-token', token);
  $('#client-secret').value = '';
  $('#token').value = '';
  start();
}

// ---- catalog tree and table details -------------------------------------------------------------

async function loadTree() {
  const { tables, unavailable } = await api('/tables');
  const tree = new Map();
  for (const name of tables) {
    const [catalog, schema, table] = name.split('.');
    if (!tree.has(catalog)) tree.set(catalog, new Map());
    const schemas = tree.get(catalog);
    if (!schemas.has(schema)) schemas.set(schema, []);
    schemas.get(schema).push(table);
  }
  const root = $('#tree');
  root.replaceChildren();
  for (const [catalog, schemas] of tree) {
    const schemaList = el('ul');
    for (const [schema, names] of schemas) {
      const tableList = el('ul');
      for (const table of names) {
        const full = `${catalog}.${schema}.${table}`;
        const item = el('li', { 'data-table': full }, table);
        if (full === selected) item.classList.add('selected');
        item.addEventListener('click', () => selectTable(full));
        tableList.append(item);
      }
      schemaList.append(el('li', {}, schema, tableList));
    }
    root.append(el('li', {}, catalog, schemaList));
  }
  for (const table of unavailable) root.append(el('li', { class: 'error' }, `${table.table}: ${table.reason}`));
  if (tables.length === 0) root.append(el('li', { class: 'muted' }, 'no table yet'));
}

function selectTable(name) {
  selected = name;
  selectedVersion = null;
  for (const item of document.querySelectorAll('#tree li[data-table]')) {
    item.classList.toggle('selected', item.dataset.table === name);
  }
  $('#sql').value = `SELECT * FROM ${name} LIMIT 100`;
  void showDetails();
}

async function showDetails() {
  if (!selected || detailsPending) return;
  detailsPending = true;
  detailsAt = Date.now();
  try {
    const table = await api(`/tables/${encodeURIComponent(selected)}`);
    selectedVersion = table.version;
    $('#table-view').hidden = false;
    $('#table-name').textContent = table.table;
    $('#table-summary').textContent =
      `version ${table.version} · ${count(table.rowCount)} rows · ${count(table.fileCount)} live files · ${size(table.bytes)}`;
    $('#schema tbody').replaceChildren(
      ...table.columns.map((c) =>
        el('tr', {}, el('td', {}, c.name), el('td', {}, c.type + (c.nullable ? '' : ' NOT NULL'))),
      ),
    );
    $('#history tbody').replaceChildren(
      ...table.history
        .slice(0, 10)
        .map((h) =>
          el(
            'tr',
            {},
            el('td', { class: 'num' }, h.version),
            el('td', {}, h.timestamp ? new Date(h.timestamp).toLocaleTimeString() : ''),
            el('td', {}, h.operation),
            el('td', { class: 'num' }, count(h.rowsAdded)),
            el('td', { class: 'num' }, size(h.bytesAdded)),
          ),
        ),
    );
    await showRows();
  } catch (error) {
    $('#table-summary').textContent = error.message;
  } finally {
    detailsPending = false;
  }
}

async function showRows() {
  const { rows } = await api(`/tables/${encodeURIComponent(selected)}/rows?limit=20`);
  const columns = rows.length ? Object.keys(rows[0]) : [];
  renderTable(
    $('#rows'),
    columns,
    rows.map((row) => columns.map((c) => row[c])),
  );
}

function renderTable(table, columns, rows) {
  const cell = (value) => (value !== null && typeof value === 'object' ? JSON.stringify(value) : (value ?? 'NULL'));
  table.replaceChildren(
    el('thead', {}, el('tr', {}, ...columns.map((c) => el('th', {}, c)))),
    el('tbody', {}, ...rows.map((row) => el('tr', {}, ...row.map((v) => el('td', {}, cell(v)))))),
  );
}

// ---- live streams and charts ------------------------------------------------------------------------

function onTick(tick) {
  const stats = tick.stats;
  $('#totals').textContent =
    `${tick.streams.length} open stream(s) · ${count(stats.recordsStored)} records stored · ${count(stats.streamsCreated)} streams created`;
  $('#stop-acking').hidden = tick.ackingStopped;
  $('#resume-acking').hidden = !tick.ackingStopped;
  $('#no-streams').hidden = tick.streams.length > 0;
  $('#streams tbody').replaceChildren(
    ...tick.streams.map((s) =>
      el(
        'tr',
        { 'data-stream': s.streamId },
        el('td', {}, s.principal ?? '(no auth)'),
        el('td', {}, s.tableName),
        el('td', {}, s.recordType),
        el('td', {}, s.protocol),
        el('td', { class: 'state' }, s.state),
        el('td', { class: 'num rate' }, count(s.recordsPerSecond)),
        el('td', { class: 'num' }, megabytes(s.bytesPerSecond)),
        el('td', { class: 'num records' }, count(s.records)),
        el('td', { class: 'num' }, s.ackedOffset),
        el('td', { class: 'num recoveries' }, s.recoveries),
      ),
    ),
  );
  addPoints(tick);
  drawCharts();
  const version = tick.tables[selected]?.version;
  if (selected && version !== undefined && version !== selectedVersion && Date.now() - detailsAt >= DETAILS_EVERY_MS) {
    void showDetails();
  }
  const known = new Set([...document.querySelectorAll('#tree li[data-table]')].map((li) => li.dataset.table));
  if (Object.keys(tick.tables).some((name) => !known.has(name))) void loadTree().catch(() => {});
}

function addPoints(tick) {
  for (const [name, table] of Object.entries(tick.tables)) {
    if (!series.has(name)) series.set(name, []);
    series.get(name).push([tick.time, table.recordsPerSecond]);
  }
  const oldest = tick.time - HISTORY_SECONDS * 1000;
  for (const points of series.values()) while (points.length && points[0][0] < oldest) points.shift();
}

function drawCharts() {
  const width = 320;
  const height = 110;
  const now = Date.now();
  const svgNs = 'http://www.w3.org/2000/svg';
  const charts = [];
  for (const [name, points] of series) {
    const max = Math.max(1, ...points.map((p) => p[1]));
    const x = (t) => 40 + ((t - (now - HISTORY_SECONDS * 1000)) / (HISTORY_SECONDS * 1000)) * (width - 45);
    const y = (v) => height - 18 - (v / max) * (height - 30);
    const svg = document.createElementNS(svgNs, 'svg');
    svg.setAttribute('class', 'chart');
    svg.setAttribute('width', width);
    svg.setAttribute('height', height);
    svg.setAttribute('data-table', name);
    const line = document.createElementNS(svgNs, 'polyline');
    line.setAttribute('points', points.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' '));
    const label = (text, tx, ty) => {
      const t = document.createElementNS(svgNs, 'text');
      t.setAttribute('x', tx);
      t.setAttribute('y', ty);
      t.textContent = text;
      return t;
    };
    const last = points.length ? points[points.length - 1][1] : 0;
    svg.append(
      line,
      label(`${name}: ${count(Math.round(last))}/s`, 40, 12),
      label(count(Math.round(max)), 2, 24),
      label('0', 2, height - 18),
      label('−5 min', 40, height - 3),
      label('now', width - 25, height - 3),
    );
    charts.push(svg);
  }
  $('#charts').replaceChildren(...charts);
}

/** Reads the event stream until it ends, then reconnects after a pause. */
async function listen() {
  for (;;) {
    try {
      const response = await fetch(`${API}/events`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      if (response.status === 401) return showLogin('the server refused the token: log in again');
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      $('#live').className = 'dot on';
      $('#live').textContent = 'live';
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          handleEvent(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // the server went away: show it, and try again
    }
    $('#live').className = 'dot off';
    $('#live').textContent = 'disconnected';
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function handleEvent(text) {
  const type = /^event: (.*)$/m.exec(text)?.[1];
  const data = /^data: (.*)$/m.exec(text)?.[1];
  if (!data) return;
  const payload = JSON.parse(data);
  if (type === 'history') {
    for (const tick of payload) addPoints(tick);
  } else if (type === 'tick') {
    onTick(payload);
  }
}

// ---- SQL and faults -----------------------------------------------------------------------------

async function runQuery() {
  $('#query-info').textContent = 'running…';
  $('#query-info').className = 'muted';
  try {
    const result = await api('/query', { method: 'POST', body: JSON.stringify({ sql: $('#sql').value }) });
    renderTable(
      $('#result'),
      result.columns.map((c) => c.name),
      result.rows,
    );
    $('#query-info').textContent =
      `${count(result.rows.length)} row(s)${result.truncated ? ' (truncated)' : ''} in ${result.elapsedMs} ms`;
  } catch (error) {
    $('#result').replaceChildren();
    $('#query-info').textContent = error.message;
    $('#query-info').className = 'error';
  }
}

async function injectFault(name) {
  try {
    const { affected } = await api(`/faults/${name}`, { method: 'POST' });
    $('#fault-result').textContent = `${name}: ${affected} affected`;
  } catch (error) {
    $('#fault-result').textContent = error.message;
  }
}

// ---- start --------------------------------------------------------------------------------------

let config = { auth: false, tokenPath: '/oidc/v1/token' };
let listening = false;

async function start() {
  $('#login').hidden = true;
  $('#app').hidden = false;
  $('#logout').hidden = !config.auth;
  try {
    await loadTree();
  } catch (error) {
    if (!$('#login').hidden) return;
    $('#tree').replaceChildren(el('li', { class: 'error' }, error.message));
  }
  if (!listening) {
    listening = true;
    void listen().finally(() => {
      listening = false;
    });
  }
}

$('#login').addEventListener('submit', (event) => void logIn(event));
$('#logout').addEventListener('click', () => showLogin());
$('#run').addEventListener('click', () => void runQuery());
$('#sql').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) void runQuery();
});
$('#refresh-rows').addEventListener('click', () => void showRows());
for (const button of document.querySelectorAll('[data-fault]')) {
  button.addEventListener('click', () => void injectFault(button.dataset.fault));
}
config = await fetch(`${API}/config`).then((r) => r.json());
if (config.auth && !token) showLogin();
else void start();
