/**
 * A self-contained HTML page of `celm eval` results: tables and inline SVG bar charts, no script, no
 * external stylesheet or font, so it can be mailed or archived as one file.
 */
import { METRIC_KEYS, type MetricKey, type Scores } from './metrics/index.js';
import type { SectionEvaluation } from './sections.js';

export interface HtmlReportInput {
  title: string;
  evaluation: SectionEvaluation;
  /** Lines shown under the title (inputs, WordNet used, celm version). */
  notes: string[];
  /** Optional extra table, e.g. clinical findings scores: header row and body rows. */
  extra?: { title: string; header: string[]; rows: string[][] };
}

/** Metrics drawn in the per-section chart (all are in the tables). */
const CHART_METRICS: MetricKey[] = ['bleu-1', 'bleu-4', 'rouge1', 'rougeL', 'rougeLsum', 'meteor'];
const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1', '#edc948', '#9c755f'];

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export function formatScore(v: number | null): string {
  return v === null ? '–' : v.toFixed(4);
}

/** Grouped vertical bars: one group per category, one bar per series; values in [0, 1]. */
export function groupedBarChart(
  categories: string[],
  series: Array<{ name: string; values: Array<number | null> }>,
  label: string,
): string {
  const barW = 14;
  const gap = 18;
  const groupW = series.length * barW + gap;
  const left = 44;
  const top = 32;
  const plotH = 220;
  const labelH = 124;
  // room for the last rotated label (up to 22 characters) and for the legend row
  const width = Math.max(left + categories.length * groupW + 130, left + series.length * 96 + 20, 360);
  const legendY = 6;
  const height = top + plotH + labelH;
  const y = (v: number) => top + plotH - Math.max(0, Math.min(1, v)) * plotH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(label)}" font-family="sans-serif" font-size="11">`,
  );
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    parts.push(
      `<line x1="${left}" x2="${width - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/><text x="${left - 6}" y="${y(v) + 4}" text-anchor="end">${v.toFixed(1)}</text>`,
    );
  }
  categories.forEach((cat, ci) => {
    const x0 = left + ci * groupW + gap / 2;
    series.forEach((s, si) => {
      const v = s.values[ci];
      if (v === null || v === undefined) return;
      const x = x0 + si * barW;
      parts.push(
        `<rect x="${x}" y="${Math.min(y(v), top + plotH - 1).toFixed(1)}" width="${barW - 2}" height="${Math.max(top + plotH - y(v), 1).toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${escapeHtml(`${cat} — ${s.name}: ${formatScore(v)}`)}</title></rect>`,
      );
    });
    const cx = x0 + (series.length * barW) / 2;
    const short = cat.length > 22 ? `${cat.slice(0, 21)}…` : cat;
    parts.push(
      `<text transform="translate(${cx},${top + plotH + 8}) rotate(40)" text-anchor="start">${escapeHtml(short)}</text>`,
    );
  });
  series.forEach((s, si) => {
    const x = left + si * 96;
    parts.push(
      `<rect x="${x}" y="${legendY}" width="10" height="10" fill="${COLORS[si % COLORS.length]}"/><text x="${x + 14}" y="${legendY + 9}">${escapeHtml(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** Horizontal bars, one per metric. */
export function horizontalBarChart(
  rows: Array<{ name: string; value: number | null }>,
  label: string,
): string {
  const left = 120;
  const barMax = 320;
  const rowH = 20;
  const width = left + barMax + 70;
  const height = rows.length * rowH + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(label)}" font-family="sans-serif" font-size="11">`,
  ];
  rows.forEach((r, i) => {
    const yy = 5 + i * rowH;
    const w = r.value === null ? 0 : Math.max(0, Math.min(1, r.value)) * barMax;
    parts.push(
      `<text x="${left - 6}" y="${yy + 13}" text-anchor="end">${escapeHtml(r.name)}</text><rect x="${left}" y="${yy + 2}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${COLORS[0]}"/><text x="${left + w + 4}" y="${yy + 13}">${formatScore(r.value)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

function scoresTable(
  header: string,
  rows: Array<{ name: string; extra: string[]; scores: Scores }>,
  extraHeaders: string[],
): string {
  const head = [header, ...extraHeaders, ...METRIC_KEYS].map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr><th scope="row">${escapeHtml(r.name)}</th>${r.extra.map((e) => `<td>${escapeHtml(e)}</td>`).join('')}${METRIC_KEYS.map((k) => `<td>${formatScore(r.scores[k])}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export function renderHtmlReport(input: HtmlReportInput): string {
  const ev = input.evaluation;
  const sectionRows = ev.sections.map((s) => ({
    name: s.name,
    extra: [String(s.pairs), String(s.missing)],
    scores: s.mean,
  }));
  const overallRow = { name: 'Overall (mean of sections)', extra: ['', ''], scores: ev.overall };
  const chart = groupedBarChart(
    ev.sections.map((s) => s.name),
    CHART_METRICS.map((k) => ({ name: k, values: ev.sections.map((s) => s.mean[k]) })),
    'Scores per section',
  );
  const overallChart = horizontalBarChart(
    METRIC_KEYS.map((k) => ({ name: k, value: ev.overall[k] })),
    'Overall scores',
  );
  const corpusRows = ev.sections.map((s) => ({
    name: s.name,
    extra: [],
    scores: s.corpus,
  }));
  const extra = input.extra
    ? `<h2>${escapeHtml(input.extra.title)}</h2><table><thead><tr>${input.extra.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${input.extra.rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join('')}</tr>`).join('\n')}</tbody></table>`
    : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(input.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th[scope=row] { text-align: left; }
thead th { background: #f3f3f3; }
tr.overall th, tr.overall td { font-weight: bold; }
.notes { color: #555; font-size: 13px; }
figure { margin: 1em 0; overflow-x: auto; }
</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<ul class="notes">${input.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>
<h2>Overall</h2>
<figure>${overallChart}</figure>
<h2>Per section</h2>
<figure>${chart}</figure>
${scoresTable('Section', [...sectionRows, overallRow], ['pairs', 'missing'])}
<p class="notes">Section score = mean over the section's pairs (a missing section scores 0); overall = mean over sections.</p>
<h2>Corpus BLEU per section</h2>
${scoresTable('Section', corpusRows, [])}
<p class="notes">BLEU columns: one corpus of the section's pairs (missing predictions count as empty); other columns as above.</p>
${extra}
</body>
</html>
`;
}
