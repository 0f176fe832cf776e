// celm review web app: EEG viewer, trends, findings timeline and the draft report. Plain ES module, no
// build step; talks to the /api/ of `celm serve` with a bearer token kept in this browser's storage.

const $ = (id) => document.getElementById(id);
const state = {
  token: localStorage.getItem('celmToken') || '',
  recording: null, // metadata
  start: 0,
  page: null, // last trace window
  annotations: [],
  trends: null,
  report: null,
  loading: 0,
};

const MM_PER_INCH = 25.4;
const PX_PER_MM = 96 / MM_PER_INCH; // CSS pixels per millimetre
const GUTTER = 78; // label column, CSS px
const AXIS = 18; // time axis, CSS px

// API ---------------------------------------------------------------------------------------------------

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}), Authorization: `Bearer ${state.token}` };
  const res = await fetch(`/api${path}`, { ...options, headers });
  if (res.status === 401) {
    let why = 'a valid API token is needed';
    try {
      if ((await res.json()).error === 'token revoked') why = 'this API token was revoked: paste another';
    } catch {}
    askToken(why);
    throw new Error(why);
  }
  if (!res.ok) {
    let msg = `${res.status}`;
    try {
      msg = (await res.json()).error || msg;
    } catch {}
    throw new Error(msg);
  }
  return res;
}
const getJson = async (path) => (await api(path)).json();

function askToken(why) {
  $('tokenWhy').textContent = typeof why === 'string' ? why : '';
  $('tokenInput').value = state.token;
  if (!$('tokenDialog').open) $('tokenDialog').showModal();
}
$('tokenButton').onclick = askToken;
$('tokenDialog').addEventListener('close', () => {
  state.token = $('tokenInput').value.trim();
  localStorage.setItem('celmToken', state.token);
  loadRecordings();
});

function setStatus(id, text) {
  $(id).textContent = text;
}

// Recordings and upload ---------------------------------------------------------------------------------

async function loadRecordings(select) {
  const list = await getJson('/recordings');
  const sel = $('recording');
  sel.innerHTML = '<option value="">(choose a recording)</option>';
  for (const r of list) {
    const o = document.createElement('option');
    o.value = r.id;
    o.textContent = `${r.file_name} · ${fmtDuration(r.duration_s)} · ${r.id}`;
    sel.append(o);
  }
  const want = select || state.recording?.id || list.at(-1)?.id;
  if (want) {
    sel.value = want;
    await openRecording(want);
  }
}

$('recording').onchange = (e) => e.target.value && openRecording(e.target.value);

$('upload').onchange = (e) => {
  const file = e.target.files[0];
  if (!file) return;
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/api/recordings');
  xhr.setRequestHeader('Authorization', `Bearer ${state.token}`);
  xhr.setRequestHeader('Content-Type', 'application/octet-stream');
  xhr.setRequestHeader('X-File-Name', encodeURIComponent(file.name));
  xhr.upload.onprogress = (ev) => {
    if (ev.lengthComputable)
      setStatus('uploadStatus', `uploading ${Math.round((100 * ev.loaded) / ev.total)}%`);
  };
  xhr.onload = () => {
    let body = {};
    try {
      body = JSON.parse(xhr.responseText);
    } catch {}
    if (xhr.status === 201) {
      setStatus('uploadStatus', `uploaded ${body.file_name}`);
      loadRecordings(body.id);
    } else setStatus('uploadStatus', `upload refused: ${body.error || xhr.status}`);
    e.target.value = '';
  };
  xhr.onerror = () => setStatus('uploadStatus', 'upload failed');
  xhr.send(file);
};

async function loadFindings() {
  const f = await getJson(`/recordings/${state.recording.id}/findings`);
  state.annotations = f.annotations;
  state.artifacts = f.artifacts || [];
  renderFindings();
  drawTimeline();
}

async function openRecording(id) {
  state.recording = await getJson(`/recordings/${id}`);
  state.start = 0;
  state.report = null;
  state.trends = null;
  await loadFindings();
  await drawPage();
  getJson(`/recordings/${id}/trends`).then((t) => {
    state.trends = t;
    drawTrend();
  });
  const reports = await getJson(`/recordings/${id}/reports`);
  if (reports.length) await loadReport(reports.at(-1).id);
  else renderReport();
  const job = state.recording.latestJob;
  if (job && (job.status === 'queued' || job.status === 'running')) watchJob(job.id);
}

// Traces ------------------------------------------------------------------------------------------------

const controls = ['montage', 'sensitivity', 'timebase', 'lff', 'hff', 'notch', 'axis'];
for (const c of controls) $(c).onchange = () => drawPage();
$('axis').addEventListener('change', () => renderFindings());
const pageSeconds = () => Number($('timebase').value);

function fitCanvas(canvas) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * dpr));
  const h = Math.max(1, Math.round(canvas.clientHeight * dpr));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w: canvas.clientWidth, h: canvas.clientHeight, dpr };
}

const cache = new Map();
function windowUrl(start) {
  const rec = state.recording;
  const canvas = $('traces');
  const cols = Math.max(100, Math.round((canvas.clientWidth - GUTTER) * (window.devicePixelRatio || 1)));
  const p = new URLSearchParams({
    start: String(start),
    duration: String(pageSeconds()),
    montage: $('montage').value,
    lff: $('lff').value,
    hff: $('hff').value,
    notch: $('notch').value,
    maxPoints: String(cols),
  });
  return `/recordings/${rec.id}/window?${p}`;
}
/**
 * A page in the binary encoding (see docs/review-app.md): uint32 LE header length, the JSON header,
 * then float32 LE values channel after channel (NaN in gaps). A JSON answer is taken as it is.
 */
async function getWindow(url) {
  const res = await api(url, { headers: { Accept: 'application/octet-stream' } });
  if ((res.headers.get('content-type') || '').startsWith('application/json')) return res.json();
  const buf = await res.arrayBuffer();
  const view = new DataView(buf);
  const n = view.getUint32(0, true);
  const page = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 4, n)));
  const per = page.valuesPerChannel;
  const off = 4 + n;
  const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  page.data = page.labels.map((_, c) => {
    if (le) return new Float32Array(buf, off + c * per * 4, per);
    const d = new Float32Array(per);
    for (let i = 0; i < per; i++) d[i] = view.getFloat32(off + (c * per + i) * 4, true);
    return d;
  });
  return page;
}

function fetchWindow(start) {
  const url = windowUrl(start);
  if (!cache.has(url)) {
    cache.set(
      url,
      getWindow(url).catch((e) => {
        cache.delete(url);
        throw e;
      }),
    );
    if (cache.size > 40) cache.delete(cache.keys().next().value);
  }
  return cache.get(url);
}

async function drawPage() {
  const rec = state.recording;
  if (!rec) return;
  const dur = rec.duration_s;
  state.start = Math.max(0, Math.min(state.start, Math.max(0, dur - pageSeconds())));
  const start = state.start;
  const ticket = ++state.loading;
  let page;
  try {
    page = await fetchWindow(start);
  } catch (e) {
    setStatus('position', `error: ${e.message}`);
    return;
  }
  if (ticket !== state.loading) return; // a newer page was asked for
  state.page = page;
  renderTraces();
  setStatus('position', `${fmtAxis(start)} – ${fmtAxis(start + page.duration)} / ${fmtTime(dur)}`);
  drawTrend();
  drawTimeline();
  // Prefetch the neighbours so that paging is instant.
  if (start + pageSeconds() < dur) fetchWindow(start + pageSeconds()).catch(() => {});
  if (start > 0) fetchWindow(Math.max(0, start - pageSeconds())).catch(() => {});
}

/** No value: null in a JSON page, NaN in a binary one (recording gaps). */
const missing = (v) => v === null || Number.isNaN(v);

function renderTraces() {
  const page = state.page;
  const { ctx, w, h } = fitCanvas($('traces'));
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  if (!page) return;
  const n = page.labels.length;
  const plotW = w - GUTTER;
  const plotH = h - AXIS;
  const spacing = plotH / n;
  const secs = pageSeconds();
  const xOf = (t) => GUTTER + ((t - page.start) / secs) * plotW;
  // Time grid: a line every second, darker every 5 s; labels on the axis.
  ctx.lineWidth = 1;
  for (let s = Math.ceil(page.start); s <= page.start + secs + 1e-9; s++) {
    const x = Math.round(xOf(s)) + 0.5;
    ctx.strokeStyle = s % 5 === 0 ? '#c3ccd5' : '#e6eaee';
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, plotH);
    ctx.stroke();
    if (s % (secs > 20 ? 5 : 1) === 0 || s === Math.ceil(page.start)) {
      ctx.fillStyle = '#66707a';
      ctx.font = '10px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.fillText(fmtAxis(s), x, h - 5);
    }
  }
  // EDF+D gaps: no recorded data.
  for (const g of page.gaps || []) {
    const x0 = Math.max(GUTTER, xOf(g.start));
    const x1 = Math.min(w, xOf(g.end));
    if (x1 <= x0) continue;
    ctx.fillStyle = '#eef0f2';
    ctx.fillRect(x0, 0, x1 - x0, plotH);
    ctx.fillStyle = '#8a939c';
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillText('no data (recording gap)', (x0 + x1) / 2, plotH / 2);
  }
  // Annotations.
  ctx.textAlign = 'left';
  for (const a of state.annotations) {
    if (a.onset < page.start || a.onset > page.start + secs) continue;
    const x = Math.round(xOf(a.onset)) + 0.5;
    ctx.strokeStyle = '#d9822b';
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(x, 0);
    ctx.lineTo(x, plotH);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.font = '11px system-ui, sans-serif';
    const label = a.text.length > 40 ? `${a.text.slice(0, 39)}…` : a.text;
    const tw = ctx.measureText(label).width;
    ctx.fillStyle = 'rgba(255, 244, 224, 0.95)';
    ctx.fillRect(x + 2, 1, tw + 6, 14);
    ctx.fillStyle = '#8a4b00';
    ctx.fillText(label, x + 5, 12);
  }
  // Channels.
  const sens = Number($('sensitivity').value); // uV per mm
  const scale = PX_PER_MM / sens; // CSS px per uV
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'right';
  for (let c = 0; c < n; c++) {
    const y0 = spacing * (c + 0.5);
    // Separate the four chains of the double banana a little: a faint band every other group.
    ctx.fillStyle = page.mask[c] ? '#1b1f24' : '#aab2ba';
    ctx.fillText(page.labels[c], GUTTER - 8, y0 + 4);
    if (!page.mask[c]) continue;
    const d = page.data[c];
    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER, 0, plotW, plotH);
    ctx.clip();
    ctx.strokeStyle = '#0c2340';
    ctx.lineWidth = 0.9;
    ctx.beginPath();
    let pen = false;
    if (page.mode === 'minmax') {
      const cols = page.points;
      const colW = (plotW * (page.duration / secs)) / cols;
      for (let k = 0; k < cols; k++) {
        const lo = d[2 * k];
        const hi = d[2 * k + 1];
        if (missing(lo) || missing(hi)) {
          pen = false;
          continue;
        }
        const x = GUTTER + (k + 0.5) * colW;
        const yl = y0 - lo * scale;
        const yh = y0 - hi * scale;
        if (!pen) ctx.moveTo(x, yl);
        else ctx.lineTo(x, yl);
        ctx.lineTo(x, yh);
        pen = true;
      }
    } else {
      const dt = 1 / page.sampleRate;
      for (let k = 0; k < d.length; k++) {
        const v = d[k];
        if (missing(v)) {
          pen = false;
          continue;
        }
        const x = xOf(page.start + k * dt);
        const y = y0 - v * scale;
        if (!pen) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
        pen = true;
      }
    }
    ctx.stroke();
    ctx.restore();
  }
  // Border of the plot and the gutter line.
  ctx.strokeStyle = '#9aa7b4';
  ctx.beginPath();
  ctx.moveTo(GUTTER + 0.5, 0);
  ctx.lineTo(GUTTER + 0.5, plotH);
  ctx.lineTo(w, plotH + 0.5);
  ctx.stroke();
  // Scale bar: 1 s and 50 uV (or the sensitivity's equivalent) at the bottom right.
  const bar = 50 * scale;
  ctx.strokeStyle = '#1b1f24';
  ctx.lineWidth = 1.5;
  const bx = w - 14;
  ctx.beginPath();
  ctx.moveTo(bx, plotH - 6);
  ctx.lineTo(bx, plotH - 6 - bar);
  ctx.stroke();
  ctx.textAlign = 'right';
  ctx.fillStyle = '#1b1f24';
  ctx.fillText('50 µV', bx - 4, plotH - 8 - bar / 2);
}

function go(seconds) {
  state.start = Math.max(0, state.start + seconds);
  drawPage();
}
function jumpTo(t) {
  // Put t at a third of the page, as review software does when jumping to an event.
  state.start = Math.max(0, Math.floor(t - pageSeconds() / 3));
  drawPage();
}
$('prev').onclick = () => go(-pageSeconds());
$('next').onclick = () => go(pageSeconds());
document.addEventListener('keydown', (e) => {
  if (e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLInputElement) return;
  const step = e.shiftKey ? pageSeconds() / 2 : pageSeconds();
  if (e.key === 'ArrowRight' || e.key === 'PageDown') go(step);
  else if (e.key === 'ArrowLeft' || e.key === 'PageUp') go(-step);
  else if (e.key === 'Home') jumpTo(0);
  else if (e.key === 'End' && state.recording) jumpTo(state.recording.duration_s);
  else return;
  e.preventDefault();
});
let resizeTimer = null;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    cache.clear();
    drawPage();
  }, 150);
});

// Trends and findings timeline ---------------------------------------------------------------------------

const BAND_COLORS = {
  delta: '#6a3d9a',
  theta: '#1f78b4',
  alpha: '#33a02c',
  beta: '#e6ab02',
  gamma: '#e31a1c',
};

/** Everything of the trend panel but the page cursor (drawn once per trends and size, then reused). */
function paintTrendBase(ctx, w, h) {
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  const t = state.trends;
  const rec = state.recording;
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillStyle = '#66707a';
  ctx.textAlign = 'right';
  ctx.fillText('CSA', GUTTER - 8, 14);
  ctx.fillText('0.5–30 Hz', GUTTER - 8, 26);
  ctx.fillText('rel. power', GUTTER - 6, h - 8);
  if (!t || !rec || t.t.length === 0) {
    ctx.textAlign = 'left';
    ctx.fillText('computing trends…', GUTTER + 8, h / 2);
    return;
  }
  const plotW = w - GUTTER;
  const csaH = Math.round(h * 0.62);
  const nF = t.csaFreqs.length;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const row of t.csa)
    for (const v of row) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  const colW = plotW / t.t.length;
  for (let i = 0; i < t.t.length; i++) {
    const row = t.csa[i];
    for (let f = 0; f < nF; f++) {
      const z = (row[f] - lo) / (hi - lo || 1);
      ctx.fillStyle = heat(z);
      const y = csaH - ((f + 1) / nF) * csaH;
      ctx.fillRect(GUTTER + i * colW, y, Math.ceil(colW) + 0.5, csaH / nF + 0.5);
    }
  }
  // Relative band power lines.
  const lineH = h - csaH - 2;
  for (const [band, values] of Object.entries(t.relative)) {
    ctx.strokeStyle = BAND_COLORS[band] || '#333';
    ctx.lineWidth = 1;
    ctx.beginPath();
    values.forEach((v, i) => {
      const x = GUTTER + (i + 0.5) * colW;
      const y = h - 1 - v * lineH;
      if (i === 0) ctx.moveTo(x, y);
      else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }
  ctx.textAlign = 'left';
  let lx = GUTTER + 4;
  for (const [band, color] of Object.entries(BAND_COLORS)) {
    ctx.fillStyle = color;
    ctx.fillText(band, lx, csaH + 11);
    lx += ctx.measureText(band).width + 8;
  }
}

let trendBase = null;

function drawTrend() {
  const canvas = $('trend');
  const { ctx, w, h, dpr } = fitCanvas(canvas);
  const t = state.trends;
  const rec = state.recording;
  if (!trendBase || trendBase.trends !== t || trendBase.w !== canvas.width || trendBase.h !== canvas.height) {
    const off = document.createElement('canvas');
    off.width = canvas.width;
    off.height = canvas.height;
    const octx = off.getContext('2d');
    octx.setTransform(dpr, 0, 0, dpr, 0, 0);
    paintTrendBase(octx, w, h);
    trendBase = { trends: t, w: canvas.width, h: canvas.height, canvas: off };
  }
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.drawImage(trendBase.canvas, 0, 0);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  if (!t || !rec || t.t.length === 0) return;
  const plotW = w - GUTTER;
  // Current page.
  const x0 = GUTTER + (state.start / rec.duration_s) * plotW;
  const x1 = GUTTER + ((state.start + pageSeconds()) / rec.duration_s) * plotW;
  ctx.fillStyle = 'rgba(31, 95, 168, 0.25)';
  ctx.fillRect(x0, 0, Math.max(2, x1 - x0), h);
  ctx.strokeStyle = '#1f5fa8';
  ctx.strokeRect(x0 + 0.5, 0.5, Math.max(2, x1 - x0), h - 1);
}

function heat(z) {
  // Dark blue -> cyan -> yellow -> red.
  const stops = [
    [0, [12, 25, 80]],
    [0.35, [30, 140, 200]],
    [0.65, [250, 220, 60]],
    [1, [200, 30, 30]],
  ];
  z = Math.max(0, Math.min(1, z));
  for (let i = 1; i < stops.length; i++) {
    if (z <= stops[i][0]) {
      const [a, ca] = stops[i - 1];
      const [b, cb] = stops[i];
      const f = (z - a) / (b - a);
      return `rgb(${ca.map((v, k) => Math.round(v + (cb[k] - v) * f)).join(',')})`;
    }
  }
  return 'rgb(200,30,30)';
}

function timeAtX(canvas, clientX) {
  const rect = canvas.getBoundingClientRect();
  const x = clientX - rect.left - GUTTER;
  const plotW = rect.width - GUTTER;
  if (x < 0 || !state.recording) return null;
  return (x / plotW) * state.recording.duration_s;
}
$('trend').onclick = (e) => {
  const t = timeAtX($('trend'), e.clientX);
  if (t !== null) jumpTo(t);
};
$('timeline').onclick = (e) => {
  const t = timeAtX($('timeline'), e.clientX);
  if (t === null) return;
  // Jump to the nearest finding within 2% of the recording, else to the position.
  const tol = state.recording.duration_s * 0.02;
  let best = null;
  for (const a of state.annotations)
    if (Math.abs(a.onset - t) < tol && (!best || Math.abs(a.onset - t) < Math.abs(best.onset - t))) best = a;
  jumpTo(best ? best.onset : t);
};

function drawTimeline() {
  const { ctx, w, h } = fitCanvas($('timeline'));
  ctx.fillStyle = '#fafbfc';
  ctx.fillRect(0, 0, w, h);
  const rec = state.recording;
  if (!rec) return;
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillStyle = '#66707a';
  ctx.textAlign = 'right';
  ctx.fillText('findings', GUTTER - 8, h / 2 + 3);
  const plotW = w - GUTTER;
  ctx.fillStyle = 'rgba(120, 120, 120, 0.35)';
  for (const r of state.artifacts || []) {
    const x = GUTTER + (r.start / rec.duration_s) * plotW;
    ctx.fillRect(x, 2, Math.max(1, ((r.end - r.start) / rec.duration_s) * plotW), h - 4);
  }
  for (const a of state.annotations) {
    const x = GUTTER + (a.onset / rec.duration_s) * plotW;
    ctx.fillStyle = KIND_COLORS[a.kind] || KIND_COLORS.other;
    ctx.fillRect(Math.round(x), 4, Math.max(2, (a.duration / rec.duration_s) * plotW), h - 8);
  }
  const x0 = GUTTER + (state.start / rec.duration_s) * plotW;
  ctx.strokeStyle = '#1f5fa8';
  ctx.strokeRect(x0 + 0.5, 0.5, Math.max(2, (pageSeconds() / rec.duration_s) * plotW), h - 1);
}

const KIND_COLORS = {
  seizure: '#c0392b',
  discharge: '#d35400',
  activation: '#7f8c8d',
  state: '#95a5a6',
  artifact: '#8e44ad',
  other: '#2c7fb8',
};

function renderFindings() {
  const ol = $('findings');
  ol.innerHTML = '';
  for (const a of state.annotations) {
    const li = document.createElement('li');
    li.textContent = `${fmtAxis(a.onset)}  ${a.text}`;
    // Colour only what needs attention; states and other notes stay in the text colour.
    if (a.kind === 'seizure' || a.kind === 'discharge' || a.kind === 'artifact')
      li.style.color = KIND_COLORS[a.kind];
    li.onclick = () => jumpTo(a.onset);
    ol.append(li);
  }
}

// Report ------------------------------------------------------------------------------------------------

$('draftButton').onclick = async () => {
  if (!state.recording) return;
  const job = await (await api(`/recordings/${state.recording.id}/report`, { method: 'POST' })).json();
  watchJob(job.id);
};

async function watchJob(jobId) {
  const bar = $('jobProgress');
  bar.hidden = false;
  $('draftButton').disabled = true;
  setStatus('jobStatus', 'queued');
  try {
    const res = await api(`/jobs/${jobId}/events`);
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let i = buf.indexOf('\n\n');
      while (i >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        i = buf.indexOf('\n\n');
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (!data) continue;
        const ev = JSON.parse(data.slice(6));
        bar.value = ev.progress;
        setStatus(
          'jobStatus',
          `${ev.status}: ${ev.stage} (${Math.round(ev.progress * 100)}%)${ev.error ? ` — ${ev.error}` : ''}`,
        );
        if (ev.status === 'done' && ev.report) {
          await loadReport(ev.report);
          await loadFindings();
        }
      }
    }
  } catch (e) {
    setStatus('jobStatus', `progress stream failed: ${e.message}`);
  } finally {
    bar.hidden = true;
    $('draftButton').disabled = false;
  }
}

async function loadReport(id) {
  state.report = await getJson(`/reports/${id}`);
  renderReport();
}

function escapeHtml(s) {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

/** Marks the numbers that come from measurements (PDR, duration) so the reader knows they were measured. */
function markMeasured(text, m) {
  let html = escapeHtml(text);
  const tip = 'measured by quantitative EEG';
  if (m && m.pdrHz !== null && m.pdrHz !== undefined) {
    html = html.replace(/(\d+(?:\.\d+)?) ?Hz/g, (all, v) =>
      Math.abs(Number(v) - m.pdrHz) <= 0.5
        ? `<mark class="measured evidence" data-evidence="pdr" title="${tip}: ${m.pdrHz} Hz; click to see the first eyes-closed stretch">${all}</mark>`
        : all,
    );
  }
  if (m?.durationSec) {
    const minutes = Math.max(1, Math.round(m.durationSec / 60));
    html = html.replace(
      new RegExp(`\\b${minutes} minutes\\b`),
      (all) => `<mark class="measured" title="${tip}: recording length">${all}</mark>`,
    );
  }
  return html;
}

// Evidence: a measured PDR jumps the traces to the first eyes-closed stretch, where it was measured.
$('sections').addEventListener('click', (e) => {
  const mark = e.target instanceof Element ? e.target.closest('mark[data-evidence]') : null;
  if (!mark) return;
  if (mark.dataset.evidence === 'pdr') {
    const closed = state.annotations.find((a) => /eyes closed/i.test(a.text));
    if (closed) {
      $('montage').value = 'double-banana';
      jumpTo(closed.onset + pageSeconds() / 3);
    }
  }
});

function renderReport() {
  const r = state.report;
  const box = $('sections');
  box.innerHTML = '';
  $('reportSource').innerHTML = r
    ? `<span class="draftNote">${r.signed_by ? 'Signed report' : 'A draft for a clinician to review, not a diagnosis.'}</span>Draft source: ${escapeHtml(r.source)}`
    : '';
  $('measurements').textContent = '';
  $('modelOutput').textContent = '';
  $('modelOutput').hidden = true;
  $('signedInfo').textContent = '';
  $('signButton').disabled = !r || !!r?.signed_by;
  for (const b of document.querySelectorAll('#exports button')) b.disabled = !r;
  if (!r) {
    box.innerHTML =
      '<p class="status">No report yet: “Draft report” runs preprocessing and quantitative EEG and writes a draft.</p>';
    return;
  }
  for (const s of r.sections) {
    const div = document.createElement('div');
    div.className = 'section';
    div.dataset.section = s.name;
    const head = document.createElement('h4');
    head.innerHTML = `<span>${escapeHtml(s.name)}</span><span class="meta">v${s.version} · ${escapeHtml(s.author)}${s.kind === 'draft' ? ' (draft)' : ''}</span>`;
    const text = document.createElement('div');
    text.className = 'text';
    text.innerHTML = markMeasured(s.text, r.measurements);
    div.append(head, text);
    if (!r.signed_by) {
      const edit = document.createElement('button');
      edit.textContent = 'Edit';
      edit.className = 'edit';
      edit.onclick = () => editSection(div, s);
      div.append(edit);
    }
    box.append(div);
  }
  renderMeasurements(r.measurements || {});
  renderModelOutput(r.model_output);
  if (r.signed_by)
    setStatus(
      'signedInfo',
      `Signed by ${r.signed_by}${r.signed_token ? ` (API token "${r.signed_token}")` : ''} at ${new Date(r.signed_at).toLocaleString()}`,
    );
}

/** The measured values (quantitative EEG from the preprocessing: never generated). */
function renderMeasurements(m) {
  const items = [];
  if (m.pdrHz !== undefined)
    items.push(`PDR ${m.pdrHz ?? '–'} Hz${m.pdrSource ? ` (${escapeHtml(String(m.pdrSource))})` : ''}`);
  if (m.sef90 !== undefined) items.push(`SEF90 ${m.sef90 ?? '–'} Hz`);
  if (m.globalRelative)
    items.push(
      `relative power ${Object.entries(m.globalRelative)
        .map(([k, v]) => `${escapeHtml(k)} ${(100 * v).toFixed(0)}%`)
        .join(', ')}`,
    );
  if (m.usableChannels !== undefined) items.push(`usable channels ${m.usableChannels}`);
  if (m.badSegments !== undefined && m.segments !== undefined)
    items.push(`artifact segments ${m.badSegments} of ${m.segments}`);
  if (m.durationSec !== undefined) items.push(`length ${fmtDuration(m.durationSec)}`);
  if (m.sharpTransients) {
    const t = m.sharpTransients;
    const at = (w) => (w ? ` (max ${escapeHtml(String(w))})` : '');
    items.push(
      `sharp transients (detector) per hour: lateralized ${t.lateralized_per_hour}${at(t.lateralized_max)}, generalized ${t.generalized_per_hour}, isolated ${t.isolated_per_hour}${at(t.isolated_max)}`,
    );
  }
  for (const [name, value] of Object.entries(m.findingMeasures || {}))
    if (value !== '-') items.push(`${escapeHtml(name)}: ${escapeHtml(String(value))}`);
  $('measurements').innerHTML =
    `<mark class="measured">measured</mark> values (quantitative EEG, not generated):<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>`;
}

/** The report model's finding probabilities: its estimates, shown apart from the measured values. */
function renderModelOutput(out) {
  const box = $('modelOutput');
  if (!out) return;
  const rows = Object.entries(out.finding_probabilities).sort((a, b) => b[1] - a[1]);
  const row = ([k, v]) =>
    `<tr class="${v < 0.5 ? 'low' : ''}"><td>${escapeHtml(k.replace(/_/g, ' '))}</td><td>${v.toFixed(2)}</td><td class="bar"><span data-p="${Math.round(v * 100)}"></span></td></tr>`;
  box.innerHTML =
    `<div class="title">Model output: finding probabilities</div>` +
    `<div class="note">Estimates of the report model (${escapeHtml(out.model.name)}) for the whole recording — not measurements, not confirmed findings.</div>` +
    `<table>${rows.slice(0, 8).map(row).join('')}</table>` +
    (rows.length > 8
      ? `<details><summary>all ${rows.length} labels</summary><table>${rows.slice(8).map(row).join('')}</table></details>`
      : '');
  // Widths through the CSSOM: the CSP allows no inline style attributes.
  for (const bar of box.querySelectorAll('span[data-p]')) bar.style.width = `${bar.dataset.p}%`;
  box.hidden = false;
}

function editSection(div, s) {
  const ta = document.createElement('textarea');
  ta.value = s.text;
  const save = document.createElement('button');
  save.textContent = 'Save';
  save.className = 'save';
  const cancel = document.createElement('button');
  cancel.textContent = 'Cancel';
  div.querySelector('.text').replaceWith(ta);
  div.querySelector('.edit').replaceWith(save, cancel);
  ta.focus();
  cancel.onclick = () => renderReport();
  save.onclick = async () => {
    await api(`/reports/${state.report.id}/sections/${encodeURIComponent(s.name)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text: ta.value }),
    });
    await loadReport(state.report.id);
  };
}

$('signButton').onclick = async () => {
  const name = $('signName').value.trim();
  if (!name || !state.report) {
    setStatus('signedInfo', 'Type your name to sign.');
    return;
  }
  try {
    await api(`/reports/${state.report.id}/signoff`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    await loadReport(state.report.id);
  } catch (e) {
    setStatus('signedInfo', e.message);
  }
};

for (const b of document.querySelectorAll('#exports button')) {
  b.onclick = async () => {
    if (!state.report) return;
    const fmt = b.dataset.format;
    const deid = $('deid').checked ? '&deidentified=1' : '';
    const res = await api(`/reports/${state.report.id}/export?format=${fmt}${deid}`);
    const blob = await res.blob();
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `eeg-report-${state.report.id}.${fmt === 'fhir' ? 'fhir.json' : fmt}`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
}

// Formatting --------------------------------------------------------------------------------------------

function fmtTime(s) {
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const x = s % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(x).padStart(2, '0')}`;
}
/** Elapsed time, or clock time when chosen and the recording's start time of day is known. */
function fmtAxis(s) {
  const clock = state.recording?.startClock;
  if ($('axis').value !== 'clock' || !clock) return fmtTime(s);
  const [h, m, x] = clock.split(':').map(Number);
  const t = Math.round(h * 3600 + m * 60 + x + s) % 86400;
  const p = (v) => String(v).padStart(2, '0');
  return `${p(Math.floor(t / 3600))}:${p(Math.floor((t % 3600) / 60))}:${p(t % 60)}`;
}
function fmtDuration(s) {
  return s >= 3600 ? `${(s / 3600).toFixed(1)} h` : `${Math.round(s / 60)} min`;
}

// Start -------------------------------------------------------------------------------------------------

renderReport();
drawTimeline();
if (state.token) loadRecordings().catch((e) => setStatus('uploadStatus', e.message));
else askToken();
window.celm = { state, jumpTo, drawPage, renderReport }; // for tests and the console
