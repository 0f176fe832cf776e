/**
 * Preprocesses one recording into an output folder (layout in docs/preprocessing.md):
 *
 *   OUT/<id>/segments.npy       float32 [n_segments, 22, segment_samples]  (uV, 200 Hz)
 *   OUT/<id>/mask.npy           uint8   [22]                               (1 = usable)
 *   OUT/<id>/quality.npy        float32 [n_segments, 5]                    (QUALITY_FIELDS)
 *   OUT/<id>/bandpower.npy      float32 [n_segments, 22, 5]                (uV^2, BAND_NAMES)
 *   OUT/<id>/segment_start.npy  float64 [n_segments]                       (s from recording start)
 *   OUT/<id>/qeeg.json          recording qEEG summary + per-segment trends
 *   OUT/<id>/index.json         channels, mask, rates, counts, settings, hashes, blocks (written last)
 *
 * <id> is the first 16 hex digits of the source file's SHA-256. A recording is skipped when its
 * index.json already holds the same source hash and settings hash. Everything is written into a
 * temporary folder beside the target and renamed into place, so a killed run leaves no half output.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { EdfReader } from '../formats/edf/index.js';
import { NpyWriter, npyHeader, writeNpy } from '../formats/npy.js';
import { CELM_CHANNELS } from './channels.js';
import {
  bidsChannelStatus,
  DEFAULT_SETTINGS,
  PIPELINE_VERSION,
  type PreprocessSettings,
  QUALITY_FIELDS,
  type RecordingResult,
  runPipeline,
  settingsHash,
} from './pipeline.js';
import { BAND_NAMES } from './spectral.js';

export const OUTPUT_FORMAT_VERSION = 1;

/** SHA-256 of a file, read in 4 MB pieces. */
export function sha256File(path: string): string {
  const h = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(4 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

export interface PreprocessOutcome {
  id: string;
  dir: string;
  skipped: boolean;
  segments: number;
  seconds: number;
  result?: RecordingResult;
}

export interface PreprocessOptions {
  /** Called with segments done / total. */
  onProgress?: (done: number, total: number) => void;
  /** Redo even if the output is up to date. */
  force?: boolean;
  /** Threads for this recording (filtering of part of the channels in workers); default 1. */
  threads?: number;
}

/** Reads OUT/<id>/index.json when it exists and matches the source and settings. */
function upToDate(dir: string, sourceSha: string, sHash: string): boolean {
  const p = join(dir, 'index.json');
  if (!existsSync(p)) return false;
  try {
    const idx = JSON.parse(readFileSync(p, 'utf8'));
    return idx.source?.sha256 === sourceSha && idx.settings_hash === sHash && idx.complete === true;
  } catch {
    return false;
  }
}

/** Preprocesses `path` into `outDir/<id>/`. Throws (EdfError/CelmError) on unreadable input. */
export function preprocessRecording(
  path: string,
  outDir: string,
  settings: PreprocessSettings = DEFAULT_SETTINGS,
  options: PreprocessOptions = {},
): PreprocessOutcome {
  const t0 = Date.now();
  const sourceSha = sha256File(path);
  const sHash = settingsHash(settings);
  const id = sourceSha.slice(0, 16);
  const dir = join(outDir, id);
  if (!options.force && upToDate(dir, sourceSha, sHash)) {
    const idx = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8'));
    return { id, dir, skipped: true, segments: idx.n_segments, seconds: 0 };
  }
  mkdirSync(outDir, { recursive: true });
  const tmp = join(outDir, `.tmp-${id}-${process.pid}-${randomUUID().slice(0, 8)}`);
  mkdirSync(tmp);
  const reader = EdfReader.open(path);
  let segWriter: NpyWriter | null = null;
  try {
    const nCh = CELM_CHANNELS.length;
    const result = runPipeline(reader, settings, {
      channelStatus: bidsChannelStatus(path) ?? undefined,
      begin: ({ nSegments, segmentSamples }) => {
        segWriter = new NpyWriter(join(tmp, 'segments.npy'), '<f4', [nSegments, nCh, segmentSamples]);
      },
      segment: (data) => segWriter!.write(data),
      progress: options.onProgress,
      threads: options.threads,
    });
    (segWriter as NpyWriter | null)?.close();
    segWriter = null;
    const segLen = result.segmentSamples;
    // Zero channels found bad after their segments were written (missing ones already are zeros).
    if (settings.zeroBadChannels && result.nSegments > 0) {
      const bad = result.channelReports
        .map((r, c) => (!r.missing && !r.usable ? c : -1))
        .filter((c) => c >= 0);
      if (bad.length) {
        const fd = openSync(join(tmp, 'segments.npy'), 'r+');
        const hdr = npyHeader('<f4', [result.nSegments, nCh, segLen]).length;
        const zeros = new Uint8Array(segLen * 4);
        for (let s = 0; s < result.nSegments; s++)
          for (const c of bad) writeSync(fd, zeros, 0, zeros.length, hdr + (s * nCh + c) * segLen * 4);
        closeSync(fd);
      }
    }
    const Q = QUALITY_FIELDS.length;
    writeNpy(join(tmp, 'mask.npy'), result.mask, [nCh]);
    writeNpy(join(tmp, 'quality.npy'), result.quality, [result.nSegments, Q]);
    writeNpy(join(tmp, 'bandpower.npy'), result.bandpower, [result.nSegments, nCh, BAND_NAMES.length]);
    writeNpy(join(tmp, 'segment_start.npy'), result.segmentStarts, [result.nSegments]);
    const clean = (v: unknown): unknown =>
      JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x)));
    writeFileSync(
      join(tmp, 'qeeg.json'),
      `${JSON.stringify(clean({ summary: result.qeeg, trend: { segment_start_s: Array.from(result.segmentStarts), ...result.trend } }))}\n`,
    );
    const st = statSync(path);
    const badSegments = Array.from(
      { length: result.nSegments },
      (_, s) => result.quality[s * Q + Q - 1],
    ).filter((b) => b > 0).length;
    const index = {
      format: 'celm-preprocessed',
      format_version: OUTPUT_FORMAT_VERSION,
      pipeline_version: PIPELINE_VERSION,
      complete: true,
      id,
      source: { path: resolve(path), sha256: sourceSha, bytes: st.size },
      settings,
      settings_hash: sHash,
      sample_rate: result.sampleRate,
      channels: result.channels,
      mask: Array.from(result.mask),
      channel_report: result.channelReports,
      other_signals: result.otherSignals,
      line_frequency: result.lineFreq,
      filter: result.filter,
      duration_s: result.durationSeconds,
      n_segments: result.nSegments,
      segment_samples: segLen,
      segment_step_samples: result.segmentStep,
      blocks: result.blocks,
      quality_fields: QUALITY_FIELDS,
      quality_summary: {
        bad_segments: badSegments,
        usable_channels: Array.from(result.mask).reduce((a, b) => a + b, 0),
      },
      band_names: BAND_NAMES,
      files: {
        segments: 'segments.npy',
        mask: 'mask.npy',
        quality: 'quality.npy',
        bandpower: 'bandpower.npy',
        segment_start: 'segment_start.npy',
        qeeg: 'qeeg.json',
      },
      qeeg: clean(result.qeeg),
      warnings: result.warnings,
      created: new Date().toISOString(),
    };
    writeFileSync(join(tmp, 'index.json'), `${JSON.stringify(index, null, 2)}\n`);
    if (existsSync(dir)) {
      const old = `${tmp}.old`;
      renameSync(dir, old);
      renameSync(tmp, dir);
      rmSync(old, { recursive: true, force: true });
    } else renameSync(tmp, dir);
    return { id, dir, skipped: false, segments: result.nSegments, seconds: (Date.now() - t0) / 1000, result };
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  } finally {
    reader.close();
  }
}
