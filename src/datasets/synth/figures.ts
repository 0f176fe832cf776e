/**
 * Pictures of synthetic recordings for the docs: EEG pages in the longitudinal bipolar montage and
 * spectra, read back from the EDF files with celm's reader (so they show what is in the file).
 */
import { writeFileSync } from 'node:fs';
import { EdfReader } from '../../formats/edf/index.js';
import { eegPageSvg, linePlotSvg, type Series, svgToPng, type Trace } from '../../plot/svg.js';
import { DOUBLE_BANANA } from './montage.js';
import { welch } from './spectrum.js';

/** Finds the file's channel for an electrode, whatever the site's label style. */
export function findChannel(reader: EdfReader, electrode: string): number {
  const want = electrode.toUpperCase();
  const s = reader.dataSignals.find((sig) => {
    const m = /^(?:EEG\s+)?([A-Za-z0-9]+)(?:-(?:REF|LE))?$/i.exec(sig.label.trim());
    return m !== null && m[1].toUpperCase() === want;
  });
  if (!s) throw new Error(`no channel for ${electrode} in ${reader.file}`);
  return s.index;
}

/** Reads a window of all 10-20 electrodes (uV) keyed by electrode name. */
export function readElectrodes(
  reader: EdfReader,
  start: number,
  duration: number,
): Record<string, Float32Array> {
  const names = [...new Set(DOUBLE_BANANA.flat())];
  const idx = names.map((e) => findChannel(reader, e));
  const win = reader.readWindow(start, duration, { channels: idx, unit: 'uV' });
  const out: Record<string, Float32Array> = {};
  names.forEach((e, i) => {
    out[e] = win.data[i];
  });
  return out;
}

/** Double-banana traces over a window. */
export function bipolarTraces(reader: EdfReader, start: number, duration: number): Trace[] {
  const el = readElectrodes(reader, start, duration);
  return DOUBLE_BANANA.map(([a, b]) => {
    const x = el[a];
    const y = el[b];
    const d = new Float32Array(x.length);
    for (let k = 0; k < x.length; k++) d[k] = x[k] - y[k];
    return { label: `${a}-${b}`, data: d };
  });
}

export function bipolarPage(
  file: string,
  start: number,
  duration: number,
  title: string,
  uvPerChannel = 100,
  extraMarkers: { time: number; text: string; color?: string }[] = [],
): string {
  const r = EdfReader.open(file);
  try {
    const traces = bipolarTraces(r, start, duration);
    const fs = r.dataSignals[0].sampleRate;
    const markers = r.annotations
      .filter((a) => a.onset >= start && a.onset < start + duration)
      .map((a) => ({ time: a.onset, text: a.text, duration: a.duration }));
    return eegPageSvg({
      traces,
      sampleRate: fs,
      start,
      title,
      uvPerChannel,
      scaleUv: uvPerChannel,
      markers: [...markers, ...extraMarkers],
      groupBreaks: [3, 7, 11, 15],
      rowHeight: 30,
    });
  } finally {
    r.close();
  }
}

export function spectrumPlot(
  file: string,
  windows: { label: string; electrode: string; start: number; duration: number; dashed?: boolean }[],
  title: string,
  vlines: { x: number; text?: string }[] = [],
): string {
  const r = EdfReader.open(file);
  try {
    const series: Series[] = windows.map((w) => {
      const fs = r.dataSignals[0].sampleRate;
      const win = r.readWindow(w.start, w.duration, { channels: [findChannel(r, w.electrode)], unit: 'uV' });
      const nfft = fs >= 400 ? 1024 : 512;
      const { freqs, psd } = welch(win.data[0], fs, nfft);
      return { label: w.label, x: freqs, y: psd, dashed: w.dashed };
    });
    return linePlotSvg({
      series,
      title,
      xLabel: 'frequency (Hz)',
      yLabel: 'PSD (µV²/Hz)',
      logY: true,
      xRange: [0.5, 70],
      vlines,
    });
  } finally {
    r.close();
  }
}

export async function saveFigure(svg: string, base: string, png = true): Promise<void> {
  writeFileSync(`${base}.svg`, svg);
  if (png) {
    const bytes = await svgToPng(svg);
    if (bytes) writeFileSync(`${base}.png`, bytes);
  }
}
