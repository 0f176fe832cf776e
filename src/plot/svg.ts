/**
 * Small dependency-free SVG plotting: an EEG page (stacked traces with channel labels, time axis with
 * second ticks, amplitude scale bar, annotation markers; clinical convention negative up by default)
 * and line plots (axes with ticks, optional log scales, legend) for spectra, loss curves and stats.
 * Output is a standalone SVG string; `svgToPng` renders it when @resvg/resvg-js is installed.
 */
import { createRequire } from 'node:module';

export interface Trace {
  label: string;
  /** Samples (uV), sample k at time start + k / sampleRate. */
  data: ArrayLike<number>;
  color?: string;
}

export interface EegPageOptions {
  traces: Trace[];
  sampleRate: number;
  /** Time of the first sample (s), for the axis. */
  start?: number;
  /** Sensitivity: microvolts per channel spacing (like 7 uV/mm at 10 mm spacing -> 70). Default 100. */
  uvPerChannel?: number;
  /** Plot negative up (EEG convention). Default true. */
  negativeUp?: boolean;
  title?: string;
  /** Vertical markers with text (e.g. annotations), times in seconds (absolute). */
  markers?: { time: number; text: string; color?: string; duration?: number }[];
  width?: number;
  /** Height of one channel row (px). Default 34. */
  rowHeight?: number;
  /** Scale bar height in uV. Default 100. */
  scaleUv?: number;
  /** Extra gap after these trace indices (separates montage chains). */
  groupBreaks?: number[];
}

const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function num(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}

/** Min/max decimation to at most ~2 points per pixel, so long pages stay small and keep peaks. */
function polyline(
  data: ArrayLike<number>,
  x0: number,
  pxPerSample: number,
  y0: number,
  pxPerUv: number,
  sign: number,
): string {
  const n = data.length;
  const pts: string[] = [];
  const samplesPerPx = 1 / pxPerSample;
  if (samplesPerPx <= 2) {
    for (let k = 0; k < n; k++) {
      const v = data[k];
      if (!Number.isFinite(v)) continue;
      pts.push(`${num(x0 + k * pxPerSample)},${num(y0 - sign * v * pxPerUv)}`);
    }
  } else {
    const cols = Math.ceil(n * pxPerSample);
    for (let c = 0; c < cols; c++) {
      const a = Math.floor(c * samplesPerPx);
      const b = Math.min(n, Math.floor((c + 1) * samplesPerPx));
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      let loK = a;
      let hiK = a;
      for (let k = a; k < b; k++) {
        const v = data[k];
        if (v < lo) {
          lo = v;
          loK = k;
        }
        if (v > hi) {
          hi = v;
          hiK = k;
        }
      }
      if (!Number.isFinite(lo)) continue;
      const first = loK < hiK ? lo : hi;
      const second = loK < hiK ? hi : lo;
      pts.push(`${num(x0 + c)},${num(y0 - sign * first * pxPerUv)}`);
      pts.push(`${num(x0 + c + 0.5)},${num(y0 - sign * second * pxPerUv)}`);
    }
  }
  return pts.join(' ');
}

/** A page of EEG traces like a review screen: labels left, seconds grid, scale bar bottom right. */
export function eegPageSvg(o: EegPageOptions): string {
  const width = o.width ?? 1200;
  const row = o.rowHeight ?? 34;
  const left = 96;
  const right = 64;
  const top = o.title ? 34 : 14;
  const breaks = new Set(o.groupBreaks ?? []);
  const nBreaks = o.traces.filter((_, i) => breaks.has(i)).length;
  const plotH = row * o.traces.length + nBreaks * row * 0.4;
  const bottom = 40;
  const height = Math.ceil(top + plotH + bottom);
  const plotW = width - left - right;
  const n = Math.max(...o.traces.map((t) => t.data.length));
  const seconds = n / o.sampleRate;
  const start = o.start ?? 0;
  const pxPerSample = plotW / n;
  const uvPerRow = o.uvPerChannel ?? 100;
  const pxPerUv = row / uvPerRow;
  const sign = o.negativeUp === false ? 1 : -1;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  if (o.title)
    parts.push(`<text x="${left}" y="22" font-size="15" ${FONT} fill="#222">${esc(o.title)}</text>`);
  // Second grid.
  for (let s = 0; s <= Math.floor(seconds + 1e-9); s++) {
    const x = left + s * o.sampleRate * pxPerSample;
    parts.push(
      `<line x1="${num(x)}" y1="${top}" x2="${num(x)}" y2="${num(top + plotH)}" stroke="#d8dde6" stroke-width="1"/>`,
    );
    const label = start + s;
    parts.push(
      `<text x="${num(x)}" y="${num(top + plotH + 15)}" font-size="11" text-anchor="middle" ${FONT} fill="#555">${num(label)}</text>`,
    );
  }
  parts.push(
    `<text x="${left + plotW / 2}" y="${num(top + plotH + 32)}" font-size="11" text-anchor="middle" ${FONT} fill="#555">time (s)</text>`,
  );
  // Markers.
  for (const m of o.markers ?? []) {
    const x = left + (m.time - start) * o.sampleRate * pxPerSample;
    if (x < left - 1 || x > left + plotW + 1) continue;
    const color = m.color ?? '#c0392b';
    if (m.duration && m.duration > 0) {
      const w = Math.min(left + plotW, x + m.duration * o.sampleRate * pxPerSample) - x;
      parts.push(
        `<rect x="${num(x)}" y="${top}" width="${num(w)}" height="${num(plotH)}" fill="${color}" fill-opacity="0.06"/>`,
      );
    }
    parts.push(
      `<line x1="${num(x)}" y1="${top - 4}" x2="${num(x)}" y2="${num(top + plotH)}" stroke="${color}" stroke-width="1.2" stroke-dasharray="4 3"/>`,
    );
    parts.push(
      `<text x="${num(x + 3)}" y="${top - 2}" font-size="11" ${FONT} fill="${color}">${esc(m.text)}</text>`,
    );
  }
  // Traces.
  let y = top + row / 2;
  o.traces.forEach((t, i) => {
    parts.push(
      `<text x="${left - 8}" y="${num(y + 4)}" font-size="11" text-anchor="end" ${FONT} fill="#222">${esc(t.label)}</text>`,
    );
    parts.push(
      `<polyline fill="none" stroke="${t.color ?? '#1a1a2e'}" stroke-width="0.8" stroke-linejoin="round" points="${polyline(t.data, left, pxPerSample, y, pxPerUv, sign)}"/>`,
    );
    y += row + (breaks.has(i) ? row * 0.4 : 0);
  });
  // Scale bar (right margin, bottom-aligned with the last trace area).
  const scaleUv = o.scaleUv ?? 100;
  const barH = scaleUv * pxPerUv;
  const bx = width - right + 14;
  const by1 = top + plotH;
  parts.push(
    `<line x1="${bx}" y1="${num(by1 - barH)}" x2="${bx}" y2="${num(by1)}" stroke="#000" stroke-width="2"/>`,
  );
  parts.push(
    `<text x="${bx + 5}" y="${num(by1 - barH / 2 + 4)}" font-size="11" ${FONT} fill="#000">${scaleUv} µV</text>`,
  );
  if (sign < 0)
    parts.push(`<text x="${bx - 8}" y="${num(by1 + 15)}" font-size="10" ${FONT} fill="#555">neg. up</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

export interface Series {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  color?: string;
  dashed?: boolean;
}

export interface LinePlotOptions {
  series: Series[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  logX?: boolean;
  logY?: boolean;
  xRange?: [number, number];
  yRange?: [number, number];
  width?: number;
  height?: number;
  /** Vertical reference lines (e.g. expected peak frequency). */
  vlines?: { x: number; text?: string; color?: string }[];
}

export const PALETTE = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#ff7f0e',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
];

function niceTicks(lo: number, hi: number, count = 6): number[] {
  const span = hi - lo;
  if (!(span > 0)) return [lo];
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => span / s <= count) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(12)));
  return out;
}

function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    const v = 10 ** e;
    if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
  }
  return out;
}

function fmtTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-3) return v.toExponential(0);
  return String(Number(v.toPrecision(4)));
}

/** Line plot with axes, ticks, grid, legend. */
export function linePlotSvg(o: LinePlotOptions): string {
  const width = o.width ?? 720;
  const height = o.height ?? 420;
  const m = { l: 70, r: 20, t: o.title ? 36 : 16, b: 52 };
  const W = width - m.l - m.r;
  const H = height - m.t - m.b;
  const finite = (v: number, log: boolean | undefined) => Number.isFinite(v) && (!log || v > 0);
  let [x0, x1] = o.xRange ?? [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  let [y0, y1] = o.yRange ?? [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
  if (!o.xRange || !o.yRange)
    for (const s of o.series)
      for (let i = 0; i < s.x.length; i++) {
        const x = s.x[i];
        const y = s.y[i];
        if (!finite(x, o.logX) || !finite(y, o.logY)) continue;
        if (o.xRange && (x < o.xRange[0] || x > o.xRange[1])) continue;
        if (!o.xRange) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
        }
        if (!o.yRange) {
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
        }
      }
  if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
  if (!Number.isFinite(y0)) [y0, y1] = [0, 1];
  if (x0 === x1) x1 = x0 + 1;
  if (y0 === y1) y1 = y0 + 1;
  if (!o.yRange && !o.logY) {
    const pad = (y1 - y0) * 0.05;
    y0 -= pad;
    y1 += pad;
  }
  const tx = (v: number) => (o.logX ? Math.log10(v) : v);
  const ty = (v: number) => (o.logY ? Math.log10(v) : v);
  const X = (v: number) => m.l + ((tx(v) - tx(x0)) / (tx(x1) - tx(x0))) * W;
  const Y = (v: number) => m.t + H - ((ty(v) - ty(y0)) / (ty(y1) - ty(y0))) * H;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  if (o.title)
    parts.push(`<text x="${m.l}" y="22" font-size="15" ${FONT} fill="#222">${esc(o.title)}</text>`);
  const xt = o.logX ? logTicks(x0, x1) : niceTicks(x0, x1);
  const yt = o.logY ? logTicks(y0, y1) : niceTicks(y0, y1);
  for (const v of xt) {
    const x = X(v);
    parts.push(`<line x1="${num(x)}" y1="${m.t}" x2="${num(x)}" y2="${m.t + H}" stroke="#e3e6ec"/>`);
    parts.push(
      `<text x="${num(x)}" y="${m.t + H + 16}" font-size="11" text-anchor="middle" ${FONT} fill="#444">${fmtTick(v)}</text>`,
    );
  }
  for (const v of yt) {
    const y = Y(v);
    parts.push(`<line x1="${m.l}" y1="${num(y)}" x2="${m.l + W}" y2="${num(y)}" stroke="#e3e6ec"/>`);
    parts.push(
      `<text x="${m.l - 6}" y="${num(y + 4)}" font-size="11" text-anchor="end" ${FONT} fill="#444">${fmtTick(v)}</text>`,
    );
  }
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${W}" height="${H}" fill="none" stroke="#888"/>`);
  if (o.xLabel)
    parts.push(
      `<text x="${m.l + W / 2}" y="${height - 12}" font-size="12" text-anchor="middle" ${FONT} fill="#222">${esc(o.xLabel)}</text>`,
    );
  if (o.yLabel)
    parts.push(
      `<text x="16" y="${m.t + H / 2}" font-size="12" text-anchor="middle" transform="rotate(-90 16 ${m.t + H / 2})" ${FONT} fill="#222">${esc(o.yLabel)}</text>`,
    );
  for (const v of o.vlines ?? []) {
    if (v.x < x0 || v.x > x1) continue;
    const x = X(v.x);
    const c = v.color ?? '#999';
    parts.push(
      `<line x1="${num(x)}" y1="${m.t}" x2="${num(x)}" y2="${m.t + H}" stroke="${c}" stroke-dasharray="5 4"/>`,
    );
    if (v.text)
      parts.push(
        `<text x="${num(x + 4)}" y="${m.t + 14}" font-size="11" ${FONT} fill="${c}">${esc(v.text)}</text>`,
      );
  }
  parts.push(`<clipPath id="plotclip"><rect x="${m.l}" y="${m.t}" width="${W}" height="${H}"/></clipPath>`);
  o.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const pts: string[] = [];
    for (let k = 0; k < s.x.length; k++) {
      if (!finite(s.x[k], o.logX) || !finite(s.y[k], o.logY)) continue;
      if (s.x[k] < x0 || s.x[k] > x1) continue;
      pts.push(`${num(X(s.x[k]))},${num(Y(s.y[k]))}`);
    }
    parts.push(
      `<polyline clip-path="url(#plotclip)" fill="none" stroke="${color}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts.join(' ')}"/>`,
    );
  });
  // Legend (top right).
  const lw = Math.max(...o.series.map((s) => s.label.length)) * 6.5 + 40;
  const lx = m.l + W - lw - 8;
  const ly = m.t + 8;
  if (o.series.length > 0) {
    parts.push(
      `<rect x="${num(lx)}" y="${ly}" width="${num(lw)}" height="${o.series.length * 17 + 8}" fill="#fff" fill-opacity="0.85" stroke="#ccc"/>`,
    );
    o.series.forEach((s, i) => {
      const color = s.color ?? PALETTE[i % PALETTE.length];
      const yy = ly + 14 + i * 17;
      parts.push(
        `<line x1="${num(lx + 6)}" y1="${yy - 4}" x2="${num(lx + 28)}" y2="${yy - 4}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
      parts.push(
        `<text x="${num(lx + 34)}" y="${yy}" font-size="11" ${FONT} fill="#222">${esc(s.label)}</text>`,
      );
    });
  }
  parts.push('</svg>');
  return parts.join('\n');
}

/** Renders an SVG string to PNG bytes with @resvg/resvg-js (optional dependency); null if unavailable. */
export async function svgToPng(svg: string, width?: number): Promise<Uint8Array | null> {
  try {
    const mod = (await import('@resvg/resvg-js')) as {
      Resvg: new (svg: string, opts?: object) => { render(): { asPng(): Uint8Array } };
    };
    const r = new mod.Resvg(svg, {
      fitTo: width ? { mode: 'width', value: width } : { mode: 'original' },
      font: { loadSystemFonts: true },
      background: '#ffffff',
    });
    return r.render().asPng();
  } catch {
    return null;
  }
}

/**
 * Synchronous `svgToPng` for callers that cannot await (the training loop renders its loss curve
 * between steps); null when @resvg/resvg-js is unavailable.
 */
export function svgToPngSync(svg: string, width?: number): Uint8Array | null {
  try {
    const mod = createRequire(import.meta.url)('@resvg/resvg-js') as {
      Resvg: new (svg: string, opts?: object) => { render(): { asPng(): Uint8Array } };
    };
    const r = new mod.Resvg(svg, {
      fitTo: width ? { mode: 'width', value: width } : { mode: 'original' },
      font: { loadSystemFonts: true },
      background: '#ffffff',
    });
    return r.render().asPng();
  } catch {
    return null;
  }
}
