/**
 * `celm report` as a function: EDF/BDF files (the sessions of one report) -> a drafted report in
 * CELM's JSON, with the quantitative measurements beside it, labelled as measured.
 *
 *   files -> preprocessing (cached by file hash) -> segment vectors (encoder + features, cached)
 *         -> compress (projector + perceiver) -> decoder, section by section -> report
 *
 * Inference runs on ONNX Runtime (npm only, no native build) unless CELM_INFERENCE=torch; both run
 * the same model classes (./runner.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { ABNORMAL_KINDS, ELECTRODE_LOCATION, type FindingKind, type Region } from '../clinical/findings.js';
import { CELM_SECTIONS, type CelmReport } from '../clinical/sections.js';
import { Rng } from '../datasets/synth/prng.js';
import { CelmError } from '../errors.js';
import { labelReport } from '../eval/clinical/labeler.js';
import { EdfReader } from '../formats/edf/reader.js';
import { LATERALIZED_SLOWING, type SlowingFocus } from '../signal/focal-slowing.js';
import { type IctalRhythm, LATERAL_OFFSET } from '../signal/ictal.js';
import { preprocessRecording, type QeegSummary } from '../signal/index.js';
import { ASYMMETRIC, type PosteriorAsymmetry } from '../signal/posterior-asymmetry.js';
import { type RecordingMeasures, recordingMeasures } from '../signal/recording-measures.js';
import { applyCalibration, findingsToken, reportEvidence } from './calibration.js';
import { prefixLength } from './celm.js';
import { type ConsensusGuide, consensusDecode } from './consensus.js';
import { assembleRows, exampleTokens, findingsLine, sectionToken } from './data.js';
import { recordingVectors } from './embed.js';
import { type FindingSides, measuredSides, type TransientRates, transientRates } from './features.js';
import { DEFAULT_GENERATE, type GenerateOptions, generate, type Sampled, sample } from './generate.js';
import { type GroundFacts, groundNumbers, hzRange } from './ground.js';
import {
  DEFAULT_GUIDE,
  deniedKinds,
  expected,
  expectedVerdict,
  type FocusKind,
  factDistance,
  type GuideOptions,
  type MeasuredFocus,
  SECTION_KINDS,
  violations,
} from './guide.js';
import { unknownWords } from './lexicon.js';
import { mbrSelect } from './mbr.js';
import { loadModelDir, type ReportModelFiles } from './model-dir.js';
import {
  keepsToOpening,
  type Phrasebook,
  type PhraseKey,
  sentenceKey,
  stockSentences,
} from './phrasebook.js';
import { createRunner, type RunnerKind } from './runner.js';
import { guideBySentence, type Opening } from './sentence-guide.js';

/**
 * Candidates per sentence of the sentence-by-sentence guide, per guide sample: 8 for the default 4
 * (the 8-row step graph exists anyway). With 4, the drafts stated line noise in 3 of the 18 held-out
 * reports that state it, with 8 in 7 (macro-F1 0.773 vs 0.793, v4 model).
 */
const SENTENCE_CANDIDATES = 2;
/**
 * A sampled candidate with a token less probable than this (probability under the untempered model)
 * is dropped: at temperature 0.8 a sample now and then takes a token the model all but rules out and
 * derails into non-words ("...may helpeat EEG with encepriurally epileptogm"), and such a text may
 * still contradict the findings least. Of 288 samples (6 held-out recordings x 6 sections x 8, v4
 * model), 3.8% had a token under 0.002 and all of those were garbled ("exve coing", "At 15:323:00");
 * between 0.002 and 0.005 most were too ("ufined posterior dominant rhythm"); above, they read well.
 */
const MIN_TOKEN_LOGP = Math.log(0.005);
/**
 * Lateralized transients an hour from which the detector's electrode counts as the focus: occasional
 * discharges give 6 an hour and more; a recording without them has a few at some electrode by chance.
 */
const MIN_FOCUS_PER_HOUR = 5;
/**
 * Isolated (single-electrode) transients an hour from which the detector's electrode is the one with
 * electrode artifact: on the 31 held-out sessions with electrode pops (seed 3003) the electrode of
 * the first recording above it was the popping one in all 31 (the lowest rate was 4.6).
 */
const MIN_POPS_PER_HOUR = 4;
/** Whole guide samples may run to at least this many tokens. */
const MIN_SAMPLE_CAP = 64;
/** Greedy texts of at most this many tokens (an epileptiform or seizure section, typically) are short. */
const SHORT_SECTION = 48;

export interface ReportRequest {
  /** EDF/EDF+/BDF files: the sessions (or parts of one session) one report describes, in order. */
  files: string[];
  history?: string;
  /** CELM section names to write (default: all six). */
  sections?: string[];
  /** Model folder (default: the bundled models/default). */
  modelDir?: string;
  generate?: Partial<GenerateOptions>;
  /** Preprocessing and segment-vector cache (default $CELM_CACHE or ~/.cache/celm). */
  cacheDir?: string;
  runtime?: RunnerKind;
  threads?: number;
  /**
   * Use the model's findings calibration (calibration.json) when it has one: its findings replace the
   * head's for the guide, the prompt and the decoder's findings token. Default true.
   */
  calibration?: boolean;
  /**
   * Write what the files and measurements determine (./ground.ts): the description's duration,
   * recording list, ECG and EOG channels, heart rate, mains and electrode-artifact electrode, the
   * background's PDR, and the side, region, electrode and rate of focal discharges. Default true.
   */
  ground?: boolean;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** Numbers the preprocessing measured, reported beside the text (never generated). */
export interface MeasuredValues {
  source: 'measured';
  recordings: {
    file: string;
    duration_s: number;
    /** Start clock time from the EDF header ("HH:MM:SS"; the date is left out), null when unknown. */
    start_time: string | null;
    channels_usable: number;
    /** Non-EEG channels the header names, by kind ({ecg: 1, eog: 2}; annotations left out). */
    other_channels: Record<string, number>;
    pdr_hz: number | null;
    pdr_source: string | null;
    relative_band_power: Record<string, number> | null;
    asymmetry_alpha: Record<string, number> | null;
    bad_segments: number;
    segments: number;
    /** The sharp-transient detector's counts (models with features version 2), else null. */
    sharp_transients: TransientRates | null;
    /** Mains amplitude before the notch, at the channel with the most (src/signal/artifacts.ts). */
    line_noise: { hz: number; max_uv: number; max_channel: string } | null;
    /** R-locked ECG artifact in the EEG (null without an ECG channel). */
    ecg_artifact: { max_uv: number; max_channel: string; heart_rate_bpm: number } | null;
    /** Central delta build-up over an annotated hyperventilation (src/signal/procedures.ts). */
    hyperventilation: { start_s: number; end_s: number; delta_log_ratio: number } | null;
    /**
     * Annotated flash trains with a generalized discharge, how many would by chance, and the flash
     * frequencies of those trains.
     */
    photic: {
      trains: number;
      provoked_trains: number;
      expected_trains: number;
      provoked_hz: number[];
    } | null;
    /** Share of segments with lateralized rhythmic delta (src/signal/rhythmic-delta.ts). */
    rhythmic_delta: { fraction: number; max_channel: string | null } | null;
    /**
     * Largest seizure-like lift of slow power and the events that reach EVENT_SCORE
     * (src/signal/ictal.ts); null with too few good segments.
     */
    ictal: IctalRhythm | null;
    /** The posterior rhythm's asymmetry (src/signal/posterior-asymmetry.ts); null without a prominent PDR. */
    posterior_asymmetry: PosteriorAsymmetry | null;
    /** The most lateralized slow power (src/signal/focal-slowing.ts); null with too few good segments. */
    slowing_focus: SlowingFocus | null;
  }[];
}

export interface DraftReport extends CelmReport {
  measured: MeasuredValues;
  /**
   * The findings head's probability of each finding label (a model output, not a measurement), with
   * the findings the model's calibration decides from a measurement replaced by their score.
   */
  finding_probabilities: Record<string, number>;
  /** The findings decided from a measurement (calibration.json), with the measurement. */
  calibrated_findings: Record<string, { evidence: string; value: number }>;
  model: { dir: string; trained_on: string; runtime: string };
  timings_s: Record<string, number>;
}

export function defaultModelDir(): string {
  return resolve(new URL('../../../models/default', import.meta.url).pathname);
}

export function defaultCacheDir(): string {
  return process.env.CELM_CACHE ?? join(homedir(), '.cache', 'celm');
}

export async function draftReport(req: ReportRequest): Promise<DraftReport> {
  if (!req.files.length) throw new CelmError('usage', 'celm report: give at least one EDF/BDF file');
  for (const f of req.files) if (!existsSync(f)) throw new CelmError('io', `${f}: no such file`);
  const sections = req.sections?.length ? req.sections : [...CELM_SECTIONS];
  for (const s of sections) sectionToken(s); // validates the names
  const t = { start: Date.now() } as Record<string, number>;
  const lap = (name: string) => {
    const now = Date.now();
    t[name] = (now - (t.last ?? t.start)) / 1000;
    t.last = now;
  };
  const files: ReportModelFiles = loadModelDir(req.modelDir ?? defaultModelDir());
  const { meta, tokenizer: tok } = files;
  const threads = req.threads ?? Math.min(2, availableParallelism());
  const runner = await createRunner(files, req.runtime, threads);
  lap('load_s');
  const cache = req.cacheDir ?? defaultCacheDir();

  // where the measured features sit in a segment vector (none without features)
  const encDim = meta.input === 'features' ? 0 : (runner.embedder?.dim ?? 0);
  const featVersion = meta.input === 'encoder' ? 0 : meta.features_version;
  // preprocessing and segment vectors, file by file (each is one "session" of the report)
  const sessions: Float32Array[][] = [];
  const recMeasures: RecordingMeasures[] = [];
  const measured: MeasuredValues = { source: 'measured', recordings: [] };
  let preS = 0;
  let embS = 0;
  let measS = 0;
  for (const [i, f] of req.files.entries()) {
    const t0 = Date.now();
    const pre = preprocessRecording(f, join(cache, 'preprocessed'), undefined, {
      onProgress: (d, n) => req.onProgress?.(`preprocess ${i + 1}/${req.files.length}`, d, n),
      threads,
    });
    const t1 = Date.now();
    const vectors = await recordingVectors(
      pre.dir,
      runner.embedder,
      meta.input,
      join(cache, 'embeddings'),
      meta.features_version,
      {
        onProgress: (d, n) => req.onProgress?.(`encode ${i + 1}/${req.files.length}`, d, n),
      },
    );
    preS += (t1 - t0) / 1000;
    embS += (Date.now() - t1) / 1000;
    sessions.push([vectors]);
    const t2 = Date.now();
    const m = recordingMeasures(pre.dir, f);
    measS += (Date.now() - t2) / 1000;
    recMeasures.push(m);
    measured.recordings.push(measuredOf(f, pre.dir, transientRates(vectors, encDim, featVersion), m));
  }
  t.preprocess_s = preS;
  t.encode_s = embS;
  t.measures_s = measS;
  t.last = Date.now();
  if (!sessions.some((s) => s[0].length))
    throw new CelmError(
      'data',
      `${req.files.join(', ')}: no 10-s segment could be cut (recordings too short?)`,
    );

  const rows = assembleRows(sessions, meta.model.segmentDim, meta.max_rows);
  const compressed = await runner.compress(rows);
  const aux = compressed.aux;
  let prefix = compressed.prefix;

  const head: Record<string, number> = {};
  meta.labels.forEach((l, i) => {
    head[l] = Math.round((1 / (1 + Math.exp(-aux[i]))) * 1000) / 1000;
  });
  const evidence = reportEvidence(
    recMeasures,
    sessions.map((s) => s[0]),
    encDim,
    featVersion,
  );
  const cal = req.calibration === false ? null : files.calibration;
  const probs = cal ? applyCalibration(cal, evidence, head) : head;
  const calibrated: DraftReport['calibrated_findings'] = {};
  for (const [kind, k] of Object.entries(cal?.kinds ?? {})) {
    const value = evidence[k.evidence];
    if (value != null) calibrated[kind] = { evidence: k.evidence, value: Math.round(value * 1000) / 1000 };
  }
  // the decoder reads the findings through the prefix's findings token: it gets the calibrated ones
  if (cal && meta.model.summary && Object.keys(calibrated).length)
    prefix = await runner.withFindings(
      prefix,
      findingsToken(meta.labels, probs, head, new Set(Object.keys(calibrated))),
    );
  lap('compress_s');

  const sides = measuredSides(
    sessions.map((s) => s[0]),
    encDim,
    featVersion,
  );

  // the weaker side of the posterior rhythm where it is measured asymmetric: the features' alpha
  // deficit reads every channel, and focal slowing lowers alpha on its side too
  const asymmetric = recMeasures
    .map((m) => m.posterior_asymmetry)
    .filter((a): a is PosteriorAsymmetry => !!a && Math.abs(a.log_ratio) >= ASYMMETRIC)
    .sort((a, b) => Math.abs(b.log_ratio) - Math.abs(a.log_ratio))[0];
  if (asymmetric) sides.asymmetry = asymmetric.weaker;

  const facts = measuredFacts(measured);
  if (sides.focal_epileptiform) facts.focalSide = sides.focal_epileptiform;
  // the sides of focal slowing, LPDs and LRDA from their measured foci (on held-out recordings right
  // in all but one of 91), not the features' slow excess summed over every channel of a side
  for (const [kind, focus] of Object.entries(facts.foci ?? {})) sides[kind as FocusKind] = focus.side;

  // models trained with a findings prompt read the head's findings and the measured sides as text
  const prompt = meta.findings_prompt
    ? findingsLine({
        kinds: meta.labels.filter((l) => l !== 'abnormal' && (probs[l] ?? 0) >= 0.5),
        sides,
        abnormal: probs.abnormal === undefined ? null : probs.abnormal >= 0.5,
      })
    : '';

  const opts: GenerateOptions = { ...DEFAULT_GENERATE, ...req.generate };
  // calibrated findings are decided at 0.5, the head's have an unsure band (./guide.ts)
  const baseGuide: GuideOptions = { ...DEFAULT_GUIDE, decided: new Set(Object.keys(calibrated)) };
  const eos = tok.tokenId('<eos>');
  const banned = new Set<number>();
  for (let id = 0; id < tok.vocabSize; id++) if (tok.isSpecial(id) && id !== eos) banned.add(id);
  const room = meta.model.ctx - prefixLength(meta.model);
  const sentenceEnds = new Set<number>();
  const digits = new Set<number>();
  for (let id = 0; id < tok.vocabSize; id++) {
    const piece = tok.decode([id]);
    if (/[.!?]\s*$/.test(piece)) sentenceEnds.add(id);
    if (/\d$/.test(piece)) digits.add(id);
  }
  const period = tok.encode('.')[0];
  // "8." of "8.5 Hz" is no sentence end
  const endsSentence = (t: number, prev: number | undefined) =>
    sentenceEnds.has(t) && !(t === period && prev !== undefined && digits.has(prev));
  const guided = opts.guideSamples > 0 && meta.labels.length > 0;
  // sampled candidates that derailed: a token the model all but ruled out, or a word no training
  // report used (./lexicon.ts)
  const garbled = (x: string) => !!files.lexicon && unknownWords(x, files.lexicon).length > 0;
  const plausible = (s: Sampled[]) =>
    s
      .filter((x) => x.worst >= MIN_TOKEN_LOGP)
      .map((x) => tok.decode(x.ids).trim())
      .filter((x) => !garbled(x));
  // consensus decoding (./consensus.ts): branches that state the same findings are wordings of one statement
  const bank = !opts.consensusBank ? undefined : files.phrasebook?.sentences;
  const consensusGuide = (name: string): ConsensusGuide => ({
    endsSentence,
    // the section's reading once the sentence is added: what it states present (with side, region,
    // frequency...), its verdict and PDR. Denials are left out: "A normal EEG does not exclude a
    // diagnosis of epilepsy." and "No epileptiform abnormalities were recorded; a normal EEG does not
    // rule out epilepsy." close a normal impression alike (the guide still counts a denial of a finding
    // the head calls for, on the whole text)
    key: (sentence, before) => {
      const x = tok.decode(sentence).trim();
      if (garbled(x)) return null;
      const r = labelReport(`${name}: ${tok.decode([...before, ...sentence])}`);
      const stated = r.findings.filter((f) => f.polarity !== 'absent').map((f) => JSON.stringify(f));
      return JSON.stringify([stated.sort(), r.abnormal, r.pdrHz]);
    },
    // the training sentences of what the candidates state (./phrasebook.ts sentenceKey)
    evidence: bank?.[name]
      ? (candidates) => {
          const keys = new Set(candidates.map((c) => sentenceKey(name, c.trim())));
          return [...keys].flatMap((k) => bank[name]?.[k] ?? []);
        }
      : undefined,
    decode: (ids) => tok.decode(ids),
    minLogp: MIN_TOKEN_LOGP,
  });
  const out: CelmReport['report_sections'] = [];
  for (const [k, name] of sections.entries()) {
    // the impression sums up the sections written before it (./guide.ts GuideOptions.described)
    const guide =
      name === 'IMPRESSION/INTERPRETATION' && out.length
        ? { ...baseGuide, described: describedIn(out) }
        : baseGuide;
    const { ids } = exampleTokens(tok, req.history ?? '', name, null, meta.max_history, room, prompt);
    const limit = { ...opts, maxTokens: Math.max(1, Math.min(opts.maxTokens, room - ids.length)) };
    const next = runner.decoder(prefix);
    const gen =
      opts.consensus && opts.beams <= 1
        ? await consensusDecode(next, ids, eos, limit, consensusGuide(name), banned)
        : await generate(next, ids, eos, limit, banned);
    // the candidates with the fewest contradictions of the head (all of them without guidance); each
    // text is read by the labeler once, as it will be written: grounded, so that a number grounding
    // writes from the files ("Photic stimulation at 15-25-25-3 Hz elicited a photoparoxysmal
    // response") costs the sentence nothing. A greedy text with a word no training report used ("a
    // frontal maximumumum", 13 of 768 held-out sections) counts one more, so that guidance redraws it.
    const groundedOf = new Map<string, string>();
    const grounded = (x: string) => {
      if (req.ground === false) return x;
      let g = groundedOf.get(x);
      if (g === undefined) {
        g = groundNumbers(name, x, facts);
        groundedOf.set(x, g);
      }
      return g;
    };
    const seen = new Map<string, number>();
    const contradictions = (x: string) => {
      let v = seen.get(x);
      if (v === undefined) {
        v = violations(name, grounded(x), probs, sides, facts, guide) + (garbled(x) ? 1 : 0);
        seen.set(x, v);
      }
      return v;
    };
    const fewest = (texts: string[]) => {
      if (!guided) return { min: 0, texts };
      const v = texts.map(contradictions);
      const min = Math.min(...v);
      return { min, texts: texts.filter((_, i) => v[i] === min) };
    };
    // the greedy/beam text first, so that it wins ties
    let pool = [tok.decode(gen).trim()];
    let best = fewest(pool);
    const rng = Rng.derive(opts.seed, 'section', name);
    if (opts.samples > 0) {
      const drawn = await sample(next, ids, eos, limit, opts.samples, rng, banned);
      pool = [...pool, ...plausible(drawn)];
      best = fewest(pool);
    }
    // guidance, when the greedy text contradicts the findings or the measured facts: whole samples
    // (twice as many for a short section: a step costs rows x length), and the section written
    // again sentence by sentence, keeping at each sentence the least contradicting of the greedy
    // one and samples (./sentence-guide.ts); whole samples need not run far past the greedy text's
    // length (but a greedy "None." may stand for a sentence of 40 tokens), and one that reaches the
    // cap is cut mid-sentence and dropped (a cut "There are frequent sharp waves at 2.8 Hz with"
    // contradicted nothing and won)
    if (guided && best.min > 0) {
      const cap = {
        ...limit,
        maxTokens: Math.min(limit.maxTokens, Math.max(MIN_SAMPLE_CAP, 2 * gen.length + 16)),
      };
      const drawCount = opts.guideSamples * (gen.length <= SHORT_SECTION ? 2 : 1);
      const drawn = (await sample(next, ids, eos, cap, drawCount, rng, banned)).filter(
        (x) => x.ids.length < cap.maxTokens,
      );
      // the rewrite may need more than the greedy text's length (openings add sentences): the full limit
      const bySentence = await guideBySentence(
        next,
        ids,
        eos,
        limit,
        SENTENCE_CANDIDATES * opts.guideSamples,
        rng,
        {
          score: (t) => {
            const x = tok.decode(t).trim();
            return garbled(x)
              ? Number.POSITIVE_INFINITY
              : contradictions(x) + factDistance(name, grounded(x), facts);
          },
          endsSentence,
          minLogp: MIN_TOKEN_LOGP,
          openings: openingsFor(name, tok, probs, guide, files.phrasebook, sides),
        },
        banned,
      );
      const rewritten = tok.decode(bySentence).trim();
      pool = [...pool, ...plausible(drawn), ...(garbled(rewritten) ? [] : [rewritten])];
      best = fewest(pool);
    }
    const text = best.texts[mbrSelect(best.texts)];
    out.push({
      section_name: name,
      section_text: grounded(text),
    });
    req.onProgress?.('write', k + 1, sections.length);
  }
  lap('generate_s');
  t.total_s = (Date.now() - t.start) / 1000;
  delete t.start;
  delete t.last;
  await runner.dispose();
  return {
    report_sections: out,
    measured,
    finding_probabilities: probs,
    calibrated_findings: calibrated,
    model: { dir: files.dir, trained_on: files.trainedOn, runtime: runner.name },
    timings_s: t,
  };
}

/**
 * The sentence guide's openings for section `name` (./phrasebook.ts): for the findings `probs` call
 * for that the text so far leaves out, where they are due (before the section ends, or instead of a
 * sentence that would deny one), with the stock sentences of each (on its measured side in `sides`);
 * for an abnormal verdict, as the impression's first sentence.
 */
export function openingsFor(
  name: string,
  tok: ReportModelFiles['tokenizer'],
  probs: Record<string, number>,
  guide: GuideOptions,
  book: Phrasebook | null,
  sides: FindingSides = {},
): (ids: number[], next: { ids: number[]; ends: boolean }) => Opening[] {
  const mine = book?.openings[name] ?? {};
  const wanted = (SECTION_KINDS[name as keyof typeof SECTION_KINDS] ?? []).filter(
    (f) => expected(f, probs[f], guide) === true,
  );
  const abnormal = expectedVerdict(probs, guide) === true;
  // the first word of a finding's openings, where no other finding's opening starts with it
  // ("Hyperventilation", "Eye"; not "Intermittent", which starts electrode and muscle artifact)
  const firstWord = (o: string) => o.trim().split(/\s+/)[0];
  const starters = new Map<string, Set<string>>();
  for (const [k, list] of Object.entries(mine))
    for (const o of list ?? []) starters.set(firstWord(o), (starters.get(firstWord(o)) ?? new Set()).add(k));
  const ownWord = (f: FindingKind, w: string) => starters.get(w)?.size === 1 && starters.get(w)?.has(f);
  return (ids, next) => {
    if (!book) return [];
    // a missing finding is due where the model would end the section, or where its next sentence
    // would deny a finding that is called for ("Focal slowing is not present."); an abnormal one
    // also after the section's first sentence, where reports state abnormalities (the asymmetry
    // right after the PDR; at the section's end the model drifts into the photic sentence's words)
    const denial = deniedKinds(name, tok.decode(next.ids));
    const anyDue = next.ends || wanted.some((w) => denial.has(w));
    // ... and where the model's next sentence begins as only that finding's openings do, without
    // stating it ("Hyperventilation was performed with poor effort." where HV slowing is called for)
    const nextWord = firstWord(tok.decode(next.ids));
    const due = (f: FindingKind) =>
      anyDue || (ids.length > 0 && ABNORMAL_KINDS.has(f)) || !!ownWord(f, nextWord);
    const text = tok.decode(ids);
    const said = labelReport(`${name}: ${text}`).findings;
    // a finding already stated, or already denied (an opening would contradict the text), is not asked for
    const mentioned = new Set(said.filter((f) => f.polarity !== 'uncertain').map((f) => f.kind));
    for (const k of deniedKinds(name, text)) mentioned.add(k);
    const missing: PhraseKey[] = wanted.filter((f) => due(f) && !mentioned.has(f));
    if (!ids.length && name === 'IMPRESSION/INTERPRETATION' && abnormal) missing.push('abnormal');
    return [
      ...[...new Set(missing.flatMap((f) => mine[f] ?? []))].map((o) => ({
        ids: tok.encode(` ${o}`),
        accepts: (sentence: number[]) => keepsToOpening(book, name, o, tok.decode(sentence)),
      })),
      // after the model's continuations of the openings: ties go to them
      ...missing
        .flatMap((f) =>
          f === 'abnormal' ? [] : stockSentences(book, name, f, sides[f as keyof FindingSides]),
        )
        .map((s) => ({ ids: tok.encode(` ${s}`), whole: true })),
    ];
  };
}

/** What the sections written so far state present (possible ones included), for the impression's check. */
function describedIn(written: CelmReport['report_sections']): NonNullable<GuideOptions['described']> {
  const stated = new Set<FindingKind>();
  const regions = new Map<FindingKind, Region[]>();
  for (const s of written)
    for (const f of labelReport(`${s.section_name}: ${s.section_text}`).findings) {
      if (f.polarity === 'absent') continue;
      stated.add(f.kind);
      if (f.region) regions.set(f.kind, [...(regions.get(f.kind) ?? []), f.region]);
    }
  return { written: new Set(written.map((s) => s.section_name)), stated, regions };
}

function measuredOf(
  file: string,
  preDir: string,
  transients: TransientRates | null,
  m: RecordingMeasures,
): MeasuredValues['recordings'][number] {
  // index.json of the preprocessing (its qeeg is null when no segment was clean enough to measure)
  const idx = JSON.parse(readFileSync(join(preDir, 'index.json'), 'utf8')) as {
    duration_s: number;
    n_segments: number;
    quality_summary?: { usable_channels: number; bad_segments: number };
    other_signals?: { kind: string }[];
    qeeg: QeegSummary | null;
  };
  const q = idx.qeeg;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const roundAll = (o: Record<string, number>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v)]));
  let start: string | null = null;
  const edf = EdfReader.open(file);
  try {
    start = edf.startDateTime?.slice(11, 19) ?? null;
  } finally {
    edf.close();
  }
  return {
    file,
    duration_s: idx.duration_s,
    start_time: start,
    channels_usable: idx.quality_summary?.usable_channels ?? 0,
    other_channels: countKinds(idx.other_signals ?? []),
    pdr_hz: q?.pdr ? round(q.pdr.frequencyHz) : null,
    pdr_source: q?.pdr?.source ?? null,
    relative_band_power: q?.global ? roundAll(q.global.relative) : null,
    asymmetry_alpha: q?.asymmetry
      ? Object.fromEntries(
          Object.entries(q.asymmetry).map(([pair, bands]) => [pair, round(bands.alpha ?? 0)]),
        )
      : null,
    bad_segments: idx.quality_summary?.bad_segments ?? 0,
    segments: idx.n_segments,
    sharp_transients: transients,
    line_noise: m.line_noise
      ? { hz: m.line_noise.hz, max_uv: m.line_noise.max_uv, max_channel: m.line_noise.max_channel }
      : null,
    ecg_artifact: m.ecg
      ? { max_uv: m.ecg.max_uv, max_channel: m.ecg.max_channel, heart_rate_bpm: m.ecg.heart_rate_bpm }
      : null,
    hyperventilation: m.hyperventilation
      ? {
          start_s: m.hyperventilation.start_s,
          end_s: m.hyperventilation.end_s,
          delta_log_ratio: m.hyperventilation.delta_log_ratio,
        }
      : null,
    photic: m.photic
      ? {
          trains: m.photic.trains,
          provoked_trains: m.photic.provoked_trains,
          expected_trains: m.photic.expected_trains,
          provoked_hz: m.photic.provoked_hz ?? [],
        }
      : null,
    rhythmic_delta: m.rhythmic_delta
      ? { fraction: m.rhythmic_delta.fraction, max_channel: m.rhythmic_delta.max_channel }
      : null,
    ictal: m.ictal ?? null,
    posterior_asymmetry: m.posterior_asymmetry ?? null,
    slowing_focus: m.slowing_focus ?? null,
  };
}

/** {ecg: 1, eog: 2} from the preprocessing's list of non-EEG signals (annotation channels left out). */
function countKinds(signals: { kind: string }[]): Record<string, number> {
  const n: Record<string, number> = {};
  for (const { kind } of signals) if (kind !== 'annotation') n[kind] = (n[kind] ?? 0) + 1;
  return n;
}

/**
 * Share of segments with lateralized rhythmic delta from which its channel is LRDA's focus: the
 * held-out recordings with LRDA had 4.8% or more, half the others under 0.6%.
 */
const MIN_RHYTHMIC_DELTA = 0.02;

/**
 * What the files and measurements determine, for the guide (numbers a draft must not contradict) and
 * for grounding (./ground.ts): total minutes and the recording list, the first recording's non-EEG
 * channels, heart rate and PDR of the first recording that has them, the mains frequency of the
 * recording with the most line noise, the electrode of frequent isolated transients (electrode
 * artifact), the sharp-transient detector's focus (region, electrode, rate), the foci of focal
 * slowing, LPDs and LRDA (side, region, electrode) and the ictal rhythm's events (seizure times).
 */
function measuredFacts(m: MeasuredValues): GroundFacts {
  const r = m.recordings;
  const facts: GroundFacts = {
    minutes: r.reduce((a, x) => a + x.duration_s, 0) / 60,
    recordings: r.map((x) => ({ name: basename(x.file), start: x.start_time, seconds: x.duration_s })),
    // the description names the channels of the first recording, as reports do
    otherChannels: r[0]?.other_channels,
  };
  const pops = r.find(
    (x) => x.sharp_transients?.isolated_max && x.sharp_transients.isolated_per_hour >= MIN_POPS_PER_HOUR,
  );
  if (pops) facts.artifactElectrode = pops.sharp_transients?.isolated_max ?? undefined;
  const hr = r.find((x) => x.ecg_artifact)?.ecg_artifact?.heart_rate_bpm;
  if (hr) facts.heartRateBpm = hr;
  const pdr = r.find((x) => x.pdr_hz !== null)?.pdr_hz;
  if (pdr) facts.pdrHz = pdr;
  const noisiest = r.reduce<(typeof r)[number] | null>(
    (a, x) => (x.line_noise && (!a?.line_noise || x.line_noise.max_uv > a.line_noise.max_uv) ? x : a),
    null,
  );
  if (noisiest?.line_noise) facts.lineHz = noisiest.line_noise.hz;
  facts.seizureEvents = r
    .flatMap((x, recording) => (x.ictal?.events ?? []).map((e) => ({ recording, ...e })))
    .sort((a, b) => b.score - a.score);
  // the flash frequencies that provoked discharges, where the flashes provoked more than chance would
  const ppr = r.find((x) => x.photic && x.photic.provoked_trains - x.photic.expected_trains >= 1)?.photic;
  if (ppr?.provoked_hz.length)
    facts.photicHz = [ppr.provoked_hz[0], ppr.provoked_hz[ppr.provoked_hz.length - 1]];
  facts.foci = {};
  const focusAt = (electrode: string | null | undefined): MeasuredFocus | undefined => {
    const loc = electrode ? ELECTRODE_LOCATION[electrode] : undefined;
    return loc && (loc.side === 'left' || loc.side === 'right')
      ? { side: loc.side, region: loc.region, electrode: electrode as string }
      : undefined;
  };
  // focal slowing and LPDs: the most lateralized slow power of the session, when lateralized
  const slowest = r
    .map((x) => x.slowing_focus)
    .filter((x): x is SlowingFocus => !!x && Math.abs(x.log_ratio) >= LATERALIZED_SLOWING)
    .sort((a, b) => Math.abs(b.log_ratio) - Math.abs(a.log_ratio))[0];
  const slow = focusAt(slowest?.electrode);
  if (slow) facts.foci.focal_slowing = facts.foci.lpd = slow;
  // LRDA: the channel with the most lateralized rhythmic delta in the recording with the most
  const rhythmic = r
    .map((x) => x.rhythmic_delta)
    .filter((x) => !!x && x.fraction >= MIN_RHYTHMIC_DELTA)
    .sort((a, b) => (b?.fraction ?? 0) - (a?.fraction ?? 0))[0];
  const lrda = focusAt(rhythmic?.max_channel);
  if (lrda) facts.foci.lrda = lrda;
  const focus = r
    .map((x) => x.sharp_transients)
    .filter((x): x is TransientRates => !!x?.lateralized_max && x.lateralized_per_hour >= MIN_FOCUS_PER_HOUR)
    .sort((a, b) => b.lateralized_per_hour - a.lateralized_per_hour)[0];
  const at = focus ? ELECTRODE_LOCATION[focus.lateralized_max as string] : undefined;
  if (at) {
    facts.focusRegion = at.region;
    facts.focusElectrode = focus?.lateralized_max ?? undefined;
    facts.focusPerHour = focus?.lateralized_per_hour;
  }
  return facts;
}

/**
 * "x12.0 in all channels at 140 s" (a burst) or "x2.1 over the other side, sustained, at 710 s", then
 * the onsets of the events ("; events from 140, 700 s").
 */
function ictalCell(ic: MeasuredValues['recordings'][number]['ictal']): string {
  if (!ic) return '-';
  const at = `at ${Math.round(ic.at_s)} s`;
  const rise =
    ic.burst >= ic.lateral + LATERAL_OFFSET
      ? `x${Math.exp(ic.burst).toFixed(1)} in all channels ${at}`
      : `x${Math.exp(ic.lateral).toFixed(1)} over the other side, sustained, ${at}`;
  const onsets = (ic.events ?? []).map((e) => Math.round(e.onset_s)).sort((a, b) => a - b);
  return onsets.length ? `${rise}; events from ${onsets.join(', ')} s` : rise;
}

/** "left weaker, x3.0 in alpha power" or "symmetric (x1.1 in alpha power)"; "-" without a prominent PDR. */
function asymmetryCell(a: PosteriorAsymmetry | null): string {
  if (!a) return '-';
  const x = `x${Math.exp(Math.abs(a.log_ratio)).toFixed(1)} in ${a.band} power`;
  return Math.abs(a.log_ratio) >= ASYMMETRIC ? `${a.weaker} weaker, ${x}` : `symmetric (${x})`;
}

/** "right T4, x2.7 in slow power" or "symmetric (x1.1 at T4)"; "-" when not measured. */
function slowingCell(f: SlowingFocus | null): string {
  if (!f) return '-';
  const x = `x${Math.exp(Math.abs(f.log_ratio)).toFixed(1)}`;
  return Math.abs(f.log_ratio) >= LATERALIZED_SLOWING
    ? `${f.side} ${f.electrode}, ${x} in slow power`
    : `symmetric (${x} at ${f.electrode})`;
}

/** "5 of 13 (0.6 by chance) at 14-25 Hz": flash trains with a generalized discharge. */
function photicCell(ph: MeasuredValues['recordings'][number]['photic']): string {
  if (!ph) return 'no annotated photic';
  const hz = hzRange(ph.provoked_hz);
  return `${ph.provoked_trains} of ${ph.trains} (${ph.expected_trains} by chance)${hz ? ` at ${hz} Hz` : ''}`;
}

/** "15.0% of segments (F8)": segments with lateralized rhythmic delta. */
function rhythmicCell(rd: MeasuredValues['recordings'][number]['rhythmic_delta']): string {
  return rd
    ? `${(rd.fraction * 100).toFixed(1)}% of segments${rd.max_channel ? ` (${rd.max_channel})` : ''}`
    : '-';
}

/**
 * The measurements that bear on findings, as the Markdown table words them, for a reader beside the
 * draft (the review app): posterior rhythm asymmetry, lateralized slowing, lateralized rhythmic
 * delta, flash trains with discharges and the ictal-like rises of slow power.
 */
export function findingMeasures(m: MeasuredValues['recordings'][number]): Record<string, string> {
  return {
    'posterior rhythm asymmetry': asymmetryCell(m.posterior_asymmetry),
    'lateralized slowing': slowingCell(m.slowing_focus),
    'lateralized rhythmic delta': rhythmicCell(m.rhythmic_delta),
    'flash trains with generalized discharges': photicCell(m.photic),
    'largest ictal-like rise of slow power': ictalCell(m.ictal),
  };
}

/** "lateralized 23 (T4), generalized 0, isolated 2 (T4)", or "-" when the model has no detector. */
function transientCell(t: TransientRates | null): string {
  if (!t) return '-';
  const at = (where: string | null) => (where ? ` (${where})` : '');
  return `lateralized ${t.lateralized_per_hour}${at(t.lateralized_max)}, generalized ${t.generalized_per_hour}, isolated ${t.isolated_per_hour}${at(t.isolated_max)}`;
}

/** The report as Markdown: one heading per section, then the measured values, marked as such. */
export function reportToMarkdown(r: DraftReport): string {
  const lines: string[] = ['# EEG report (draft)', ''];
  for (const s of r.report_sections)
    lines.push(`## ${s.section_name}`, '', s.section_text || '_(nothing written)_', '');
  lines.push('## Measured values (quantitative EEG, not generated)', '');
  lines.push(
    '| recording | duration | usable channels | PDR | posterior rhythm asymmetry | lateralized slowing | alpha / delta (relative) | bad segments | sharp transients / h (detector) |',
  );
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const m of r.measured.recordings) {
    const rel = m.relative_band_power;
    lines.push(
      `| ${m.file.split('/').pop()} | ${(m.duration_s / 60).toFixed(1)} min | ${m.channels_usable} | ${
        m.pdr_hz != null ? `${m.pdr_hz.toFixed(1)} Hz (${m.pdr_source})` : 'not found'
      } | ${asymmetryCell(m.posterior_asymmetry)} | ${slowingCell(m.slowing_focus)} | ${rel ? `${rel.alpha?.toFixed(2)} / ${rel.delta?.toFixed(2)}` : '-'} | ${m.bad_segments} of ${m.segments} | ${transientCell(m.sharp_transients)} |`,
    );
  }
  lines.push(
    '',
    '| recording | line noise (before the notch) | ECG artifact (R-locked) | heart rate | hyperventilation delta build-up | flash trains with generalized discharges | lateralized rhythmic delta | largest ictal-like rise of slow power |',
  );
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const m of r.measured.recordings) {
    const ln = m.line_noise;
    const ecg = m.ecg_artifact;
    const hv = m.hyperventilation;
    lines.push(
      `| ${m.file.split('/').pop()} | ${ln ? `${ln.max_uv.toFixed(1)} uV at ${ln.hz} Hz (${ln.max_channel})` : '-'} | ${
        ecg ? `${ecg.max_uv.toFixed(1)} uV (${ecg.max_channel})` : 'no ECG channel'
      } | ${ecg ? `${ecg.heart_rate_bpm} bpm` : '-'} | ${
        hv
          ? `x${Math.exp(hv.delta_log_ratio).toFixed(1)} central delta, ${Math.round(hv.start_s)}-${Math.round(hv.end_s)} s`
          : 'no annotated HV'
      } | ${photicCell(m.photic)} | ${rhythmicCell(m.rhythmic_delta)} | ${ictalCell(m.ictal)} |`,
    );
  }
  lines.push(
    '',
    `_Drafted by ${r.model.dir} (trained on ${r.model.trained_on}); a draft for a clinician to review, not a diagnosis._`,
    '',
  );
  return lines.join('\n');
}
