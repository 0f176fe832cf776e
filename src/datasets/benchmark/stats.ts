import { join } from 'node:path';
import { CELM_SECTIONS } from '../../clinical/sections.js';
import { writeFileAtomic } from '../../fs-atomic.js';
import { esc, PALETTE, svgToPng } from '../../plot/svg.js';
import type { Db } from './catalog.js';
import { SPLIT_NAMES } from './splits.js';
import { OTHER_SECTIONS, type StructuredReport } from './structure.js';

/** Histogram bin edges of recording durations, in minutes. */
export const DURATION_BINS_MIN = [0, 5, 10, 20, 30, 60, 120, 240, 480, 1440];

export interface BenchmarkStats {
  patients: number;
  reports: { total: number; ok: number; failed: number; error: number };
  sessions: number;
  recordings: { total: number; ok: number; error: number; unmatched: number };
  hours: number;
  splits: Record<string, { patients: number; reports: number; hours: number }>;
  duration_histogram: { from_min: number; to_min: number | null; count: number }[];
  section_frequency: Record<string, number>;
  extraction_failures: { count: number; items: { id: string; reasons: string[] }[] };
  errors: {
    count: number;
    by_reason: Record<string, number>;
    items: { item: string; file: string; place: string | null; reason: string }[];
  };
  preprocessing: Record<string, number>;
  preprocessing_failures: { path: string; error: string }[];
}

function reasonClass(reason: string): string {
  const r = reason.replace(/^extraction failed: /, '');
  if (r.startsWith('missing EDF')) return 'missing EDF';
  if (r.startsWith('unreadable EDF')) return 'unreadable EDF';
  if (r.startsWith('unreadable file')) return 'unreadable report';
  if (r.startsWith('duplicate report id')) return 'duplicate id';
  if (r.startsWith('empty report')) return 'empty report';
  if (r.startsWith('unmatched recording')) return 'unmatched recording';
  if (reason.startsWith('extraction failed')) return 'extraction failed';
  return r.split(':')[0].slice(0, 40);
}

export function computeStats(db: Db): BenchmarkStats {
  const one = <T>(sql: string, ...args: unknown[]) => db.prepare(sql).get(...args) as T;
  const reports = db.prepare('SELECT id, status, structured FROM reports ORDER BY id').all() as {
    id: string;
    status: string;
    structured: string | null;
  }[];
  const sectionFreq: Record<string, number> = {};
  for (const n of [...CELM_SECTIONS, ...OTHER_SECTIONS]) sectionFreq[n] = 0;
  const failures: { id: string; reasons: string[] }[] = [];
  for (const r of reports) {
    if (!r.structured) continue;
    const st = JSON.parse(r.structured) as StructuredReport;
    for (const s of [...st.report_sections, ...st.other_sections])
      sectionFreq[s.section_name] = (sectionFreq[s.section_name] ?? 0) + 1;
    if (st.status !== 'ok') failures.push({ id: r.id, reasons: st.validation.reasons });
  }
  const durations = (
    db.prepare("SELECT duration_s FROM recordings WHERE status = 'ok' AND duration_s IS NOT NULL").all() as {
      duration_s: number;
    }[]
  ).map((x) => x.duration_s);
  const hist = DURATION_BINS_MIN.map((from, k) => ({
    from_min: from,
    to_min: DURATION_BINS_MIN[k + 1] ?? null,
    count: durations.filter(
      (d) => d / 60 >= from && (k + 1 >= DURATION_BINS_MIN.length || d / 60 < DURATION_BINS_MIN[k + 1]),
    ).length,
  }));
  const splits: BenchmarkStats['splits'] = {};
  for (const s of SPLIT_NAMES) {
    const p = one<{ n: number }>('SELECT COUNT(*) AS n FROM patients WHERE split = ?', s).n;
    const r = one<{ n: number }>(
      "SELECT COUNT(*) AS n FROM reports r JOIN patients p ON p.id = r.patient_id WHERE p.split = ? AND r.status = 'ok'",
      s,
    ).n;
    const h = one<{ h: number | null }>(
      "SELECT SUM(x.duration_s) / 3600.0 AS h FROM recordings x JOIN reports r ON r.id = x.report_id JOIN patients p ON p.id = r.patient_id WHERE p.split = ? AND r.status = 'ok' AND x.status = 'ok'",
      s,
    ).h;
    splits[s] = { patients: p, reports: r, hours: Number((h ?? 0).toFixed(4)) };
  }
  const errItems = db
    .prepare('SELECT item_key AS item, file, place, reason FROM errors ORDER BY item_key, id')
    .all() as {
    item: string;
    file: string;
    place: string | null;
    reason: string;
  }[];
  const byReason: Record<string, number> = {};
  for (const e of errItems) byReason[reasonClass(e.reason)] = (byReason[reasonClass(e.reason)] ?? 0) + 1;
  const pre: Record<string, number> = {};
  for (const row of db
    .prepare(
      'SELECT preprocess_status AS s, COUNT(*) AS n FROM recordings GROUP BY preprocess_status ORDER BY s',
    )
    .all() as {
    s: string;
    n: number;
  }[])
    pre[row.s] = row.n;
  const count = (status: string) => reports.filter((r) => r.status === status).length;
  const recTotal = one<{ n: number }>('SELECT COUNT(*) AS n FROM recordings').n;
  const recOk = one<{ n: number }>("SELECT COUNT(*) AS n FROM recordings WHERE status = 'ok'").n;
  return {
    patients: one<{ n: number }>('SELECT COUNT(*) AS n FROM patients').n,
    reports: { total: reports.length, ok: count('ok'), failed: count('failed'), error: count('error') },
    sessions: one<{ n: number }>('SELECT COUNT(*) AS n FROM sessions').n,
    recordings: {
      total: recTotal,
      ok: recOk,
      error: recTotal - recOk,
      unmatched: one<{ n: number }>("SELECT COUNT(*) AS n FROM errors WHERE item_key LIKE 'unmatched:%'").n,
    },
    hours: Number((durations.reduce((a, b) => a + b, 0) / 3600).toFixed(4)),
    splits,
    duration_histogram: hist,
    section_frequency: sectionFreq,
    extraction_failures: { count: failures.length, items: failures },
    errors: { count: new Set(errItems.map((e) => e.item)).size, by_reason: byReason, items: errItems },
    preprocessing: pre,
    preprocessing_failures: (
      db
        .prepare(
          "SELECT DISTINCT rel_path AS path, preprocess_error AS error FROM recordings WHERE preprocess_status = 'failed' ORDER BY rel_path",
        )
        .all() as { path: string; error: string | null }[]
    ).map((x) => ({ path: x.path, error: x.error ?? '' })),
  };
}

export interface Bar {
  label: string;
  value: number;
}

/** A horizontal bar chart (labels left, values at the bar ends). */
export function barChartSvg(o: {
  bars: Bar[];
  title: string;
  x: number;
  y: number;
  width: number;
  color?: string;
}): {
  svg: string;
  height: number;
} {
  const rowH = 22;
  const labelW = 210;
  const barW = o.width - labelW - 60;
  const max = Math.max(1, ...o.bars.map((b) => b.value));
  const parts: string[] = [
    `<text x="${o.x}" y="${o.y + 16}" font-size="15" font-weight="bold">${esc(o.title)}</text>`,
  ];
  o.bars.forEach((b, k) => {
    const y = o.y + 30 + k * rowH;
    const w = (b.value / max) * barW;
    parts.push(
      `<text x="${o.x + labelW - 8}" y="${y + 15}" font-size="12" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${o.x + labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${o.color ?? PALETTE[0]}"/>`,
      `<text x="${(o.x + labelW + w + 6).toFixed(1)}" y="${y + 15}" font-size="12">${b.value}</text>`,
    );
  });
  return { svg: parts.join('\n'), height: 30 + o.bars.length * rowH + 10 };
}

/** The stats picture: recording durations and section frequencies, with the headline counts. */
export function statsSvg(s: BenchmarkStats): string {
  const width = 760;
  const head = `${s.reports.ok} reports ok, ${s.reports.failed} failed extraction, ${s.reports.error} with errors; ${s.patients} patients; ${s.recordings.ok} recordings, ${s.hours.toFixed(2)} h`;
  const dur = barChartSvg({
    title: 'Recording duration (minutes)',
    bars: s.duration_histogram.map((b) => ({
      label: b.to_min === null ? `≥ ${b.from_min}` : `${b.from_min}–${b.to_min}`,
      value: b.count,
    })),
    x: 20,
    y: 50,
    width,
  });
  const sec = barChartSvg({
    title: 'Reports with each section',
    bars: Object.entries(s.section_frequency).map(([label, value]) => ({ label, value })),
    x: 20,
    y: 60 + dur.height,
    width,
    color: PALETTE[2],
  });
  const height = 70 + dur.height + sec.height;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="20" y="26" font-size="17" font-weight="bold">celm benchmark</text>`,
    `<text x="20" y="44" font-size="12">${esc(head)}</text>`,
    dur.svg,
    sec.svg,
    '</svg>',
  ].join('\n');
}

export async function writeStats(out: string, s: BenchmarkStats): Promise<void> {
  writeFileAtomic(join(out, 'stats.json'), `${JSON.stringify(s, null, 2)}\n`);
  const svg = statsSvg(s);
  writeFileAtomic(join(out, 'stats.svg'), svg);
  const png = await svgToPng(svg);
  if (png) writeFileAtomic(join(out, 'stats.png'), png);
}
