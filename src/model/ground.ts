/**
 * Numbers the files determine, written from the files. The decoder picks a description's sentences
 * from the EEG and the training reports, but it cannot read a recording's length, start time or file
 * name from 10-s segment vectors, nor count heartbeats: its "32-minute EEG" for a 20-minute file is a
 * guess from the training reports. Where a sentence states such a number, the measured one replaces
 * it (the guide, ./guide.ts, already prefers candidates whose numbers agree; this fixes the ones that
 * no candidate got right). Slots change; the only sentence added is a multi-file report's list of
 * its recordings, which no decoder can know and a report covering several files must give, and the
 * only ones removed are such a list in a one-file report and a heart rate without an ECG channel
 * (and the only clause, a seizure time with no event of the ictal rhythm to write it from; the only
 * word, an asymmetry's percentage).
 */
import { ELECTRODE_LOCATION, REGION_WORDS, type Region } from '../clinical/findings.js';
import { labelReport } from '../eval/clinical/labeler.js';
import {
  type FocusKind,
  HEART_RATE,
  MAINS,
  type MeasuredFacts,
  regionsAgree,
  SEIZURE_TIME,
} from './guide.js';

/** One file of the report, as the description lists it. */
export interface RecordingFact {
  /** File name without folders, as reports name it ("00012345_s001_t000.edf"). */
  name: string;
  /** Start clock time "HH:MM:SS" from the EDF header, null when the header has none. */
  start: string | null;
  seconds: number;
}

export interface GroundFacts extends MeasuredFacts {
  recordings?: RecordingFact[];
  /** Side of focal epileptiform discharges the features measure (features.ts measuredSides). */
  focalSide?: 'left' | 'right';
  /** Electrode with the most lateralized sharp transients (the detector's focus; its region is focusRegion). */
  focusElectrode?: string;
  /** Lateralized sharp transients an hour in the recording with the most (the detector's focus). */
  focusPerHour?: number;
  /** Electrode with the most isolated single-electrode transients (electrode pops), when they are frequent. */
  artifactElectrode?: string;
  /** Lowest and highest flash frequency of the trains that provoked discharges, when more did than chance would. */
  photicHz?: [number, number];
  /** Non-EEG channels of the (first) recording by kind: {ecg: 1, eog: 2}. */
  otherChannels?: Record<string, number>;
  /** The ictal rhythm's events of every recording (`recording` indexes `recordings`), strongest first. */
  seizureEvents?: SeizureEvent[];
}

export interface SeizureEvent {
  recording: number;
  onset_s: number;
  score: number;
}

const DESCRIPTION = 'EEG DESCRIPTION/DETAILS';
const BACKGROUND = 'BACKGROUND ACTIVITY';
const EPILEPTIFORM = 'EPILEPTIFORM ABNORMALITIES';
const EVENTS = 'EVENTS/SEIZURES';
const IMPRESSION = 'IMPRESSION/INTERPRETATION';
const NUMBER_WORDS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/** `a` ("a", "An", ...) made right for the number `n`: "an" before 8, 11, 18, 80-89, 800-899, 8,000... */
function articleFor(a: string, n: string): string {
  const art = /^(8|11|18)(\d{3})*$|^8/.test(n) ? 'an' : 'a';
  return a[0] === 'A' ? `A${art.slice(1)}` : art;
}

/** "38 minutes", "1 minute", "2.5 hours" (two hours and more read in hours). */
export function durationWords(seconds: number): string {
  const m = Math.round(seconds / 60);
  if (m < 120) return `${m} minute${m === 1 ? '' : 's'}`;
  return `${Number((seconds / 3600).toFixed(1))} hours`;
}

/** "38-minute", "2.5-hour". */
function durationAdjective(seconds: number): string {
  const m = Math.round(seconds / 60);
  return m < 120 ? `${m}-minute` : `${Number((seconds / 3600).toFixed(1))}-hour`;
}

/** "recording 1 (a.edf) from 13:15:09 for 28 minutes; recording 2 (...)". */
function recordingList(recs: RecordingFact[]): string {
  return recs
    .map(
      (r, i) =>
        `recording ${i + 1} (${r.name})${r.start ? ` from ${r.start}` : ''} for ${durationWords(r.seconds)}`,
    )
    .join('; ');
}

/** "This report covers two recordings of the same session: recording 1 (...) ...; recording 2 (...) ...." */
const COVERS = /\b(This report covers) (\w+) recordings? (of the same session): [\s\S]*?(?=\.(?:\s|$))/;
/** "A 32-minute EEG", "a 1.5-hour recording" (the article is rewritten with the number). */
const ADJECTIVE = /\b([Aa]n?) (\d+(?:\.\d+)?)-(minute|hour)\b/;
/** "for 38 minutes", "of 2.5 hours" (the total, where the description states it in words). */
const SPELLED = /\b(for|of) (\d+(?:\.\d+)?) (minutes?|hours?)\b/;

/** A sentence that gives the posterior dominant rhythm (not one that says it is absent). */
const PDR_SENTENCE = /\b(posterior dominant rhythm|posterior rhythm|PDR|alpha rhythm)\b/i;
const PDR_ABSENT = /\b(not seen|absent|no posterior|not present|not identified)\b/i;
/** "a 9.5 Hz", "an 8-9 Hz", "10 Hz": the first frequency of the sentence, with its article. */
const PDR_HZ = /\b(?:(an?) )?(\d+(?:\.\d+)?)(?:-\d+(?:\.\d+)?)?(?= ?Hz\b)/i;

/**
 * "60% lower in amplitude over the right": an amplitude difference in percent. The training reports
 * give the generator's true ratio; the posterior asymmetry measure (posterior-asymmetry.ts) finds the
 * side reliably but reads 10-55% where the truth was 50-65% (its band power carries background
 * activity), so no number can be grounded and the percentage goes, the comparison stays.
 */
const AMPLITUDE_PERCENT = /\b\d+% (?=(?:lower|higher|smaller|larger|less|greater|reduced)\b)/g;

/** "15-25" for flash frequencies 15..25 Hz, "15" for one; "" for none. */
export function hzRange(hz: readonly number[]): string {
  if (!hz.length) return '';
  const lo = Math.min(...hz);
  const hi = Math.max(...hz);
  return lo === hi ? String(lo) : `${lo}-${hi}`;
}

/** "at 15-24 Hz", "at 15 Hz and above": the flash frequencies of a photoparoxysmal response. */
const FLASH_HZ = /\bat (\d+(?:\.\d+)?(?:-\d+(?:\.\d+)?)*) Hz( and above)?/;

/**
 * A sentence stating a photoparoxysmal response with the flash frequencies that provoked discharges
 * (the decoder, from 10 training sentences, wrote "at 15-25-25-3 Hz" in 8 of 500 held-out reports).
 */
function groundPhotic(section: string, text: string, hz: [number, number]): string {
  return sentencesKeeping(text)
    .map((sentence) =>
      FLASH_HZ.test(sentence) && statedKindsOf(section, sentence).has('photoparoxysmal_response')
        ? sentence.replace(FLASH_HZ, (_w, _n: string, above: string | undefined) =>
            above ? `at ${hz[0]} Hz and above` : `at ${hzRange(hz)} Hz`,
          )
        : sentence,
    )
    .join('');
}

/**
 * Sentences of one paragraph, each with the white space before it, so that joining gives the text
 * back (a sentence ends at . ! ? before white space: "9.5 Hz" has no space after its period).
 */
const sentencesKeeping = (text: string): string[] => text.split(/(?<=[.!?])(?=\s)/);

/**
 * The background's PDR sentence with the measured frequency (to 0.1 Hz: the preprocessing's
 * eyes-closed occipital peak is within 0.05 Hz of the synthetic truth on held-out recordings, the
 * decoder's guess within 0.4 Hz).
 */
function groundPdr(text: string, hz: number): string {
  const value = String(Number(hz.toFixed(1)));
  let done = false;
  return sentencesKeeping(text)
    .map((sentence) => {
      if (done || !PDR_SENTENCE.test(sentence) || PDR_ABSENT.test(sentence)) return sentence;
      const next = sentence.replace(PDR_HZ, (_w, a: string | undefined) =>
        a ? `${articleFor(a, value.split('.')[0])} ${value}` : value,
      );
      done = next !== sentence;
      return next;
    })
    .join('');
}

/** Region words as reports write them, longest first so that "centro-temporal" is not read as "temporal". */
const REGION_WORD =
  /\b(centro-?temporal|fronto-?temporal|parieto-?occipital|mid-temporal|frontal|temporal|central|parietal|occipital)\b/gi;
/** The region a word of REGION_WORD names, read from the labeler's vocabulary (clinical/findings.ts). */
const regionOfWord = (w: string): Region =>
  (Object.keys(REGION_WORDS) as Region[]).find((r) => REGION_WORDS[r].includes(w.toLowerCase())) as Region;
const WORD_OF: Record<Region, string> = {
  frontal: 'frontal',
  frontotemporal: 'frontotemporal',
  temporal: 'temporal',
  central: 'central',
  centrotemporal: 'centrotemporal',
  parietal: 'parietal',
  occipital: 'occipital',
  parietooccipital: 'parieto-occipital',
};
const ELECTRODE = new RegExp(`\\b(${Object.keys(ELECTRODE_LOCATION).join('|')})\\b`, 'g');
/** A 10-20 or 10-10 electrode name ("T3", "F6", "Fpz", "TP9"). */
const ANY_ELECTRODE = '(?:Fp|AF|FC|FT|CP|TP|PO|F|C|T|P|O|A|M)(?:\\d{1,2}|z)';
const ANY_ELECTRODE_WORD = new RegExp(`\\b${ANY_ELECTRODE}\\b`, 'g');
/**
 * The side of any electrode name: the 10-20 table's, else odd left, even right, z midline. The
 * decoder now and then writes a 10-10 name no training report has ("(T3, F6)" for a left focus).
 */
const sideOfElectrode = (e: string): string =>
  ELECTRODE_LOCATION[e]?.side ??
  (e.endsWith('z') ? 'midline' : Number(e.match(/\d+$/)?.[0]) % 2 ? 'left' : 'right');
/** "(T3, F6, T3)": electrodes listed in parentheses. */
const ELECTRODE_LIST = new RegExp(`\\((${ANY_ELECTRODE}(?:,\\s*${ANY_ELECTRODE})+)\\)`, 'g');
/** A list of electrodes in parentheses names each once: "(T3, F6, T3)" reads "(T3, F6)". */
const listedOnce = (text: string) =>
  text.replace(ELECTRODE_LIST, (_w, list: string) => `(${[...new Set(list.split(/,\s*/))].join(', ')})`);
export const SIDE_WORD = /\b(left|right)\b/gi;
/** `text` with every "left"/"right" turned to `side`, keeping a capital ("Left" -> "Right"). */
export const onSide = (text: string, side: 'left' | 'right') =>
  text.replace(SIDE_WORD, (w) =>
    w[0] === 'L' || w[0] === 'R' ? side[0].toUpperCase() + side.slice(1) : side,
  );
/** "(T3, T3)" after a replacement reads "(T3)", "at T3 and T3" "at T3". */
const oneOf = (text: string, electrode: string) =>
  text.replace(new RegExp(`\\b${electrode}(?:,? (?:and )?${electrode}\\b)+`, 'g'), electrode);
/** "about 40 per hour", "approximately 46 times per hour": a discharge rate the detector counts. */
const PER_HOUR = /\b((?:about|approximately|around|roughly) )(\d+)( (?:times )?(?:per|an) hour)\b/;
/** The impression's closing line about the focus ("a potentially epileptogenic focus in the ..."). */
const FOCUS_LINE = /\bepileptogenic\b|\bseizure focus\b/i;

/** The findings this sentence of `section` states (possible ones included); the impression's closing line about the focus counts as focal discharges. */
function statedKindsOf(section: string, sentence: string): Set<string> {
  const kinds = new Set(
    labelReport(`${section}: ${sentence}`)
      .findings.filter((f) => f.polarity !== 'absent')
      .map((f) => f.kind),
  );
  if (FOCUS_LINE.test(sentence)) kinds.add('focal_epileptiform');
  return kinds;
}

/** Where a measurement puts a focal finding. */
interface Focus {
  side?: 'left' | 'right';
  region?: Region;
  electrode?: string;
  /** Discharges an hour (the detector's rate), for "about 40 per hour". */
  perHour?: number;
}

/**
 * A sentence about a focal finding with the measured focus: a side word when every side it names
 * is the other one, a region word when none it names shares a lobe with the measured region, and
 * electrodes on the other side or away from that region replaced by the focus electrode, and a
 * stated rate ("about 40 per hour") by the detector's. What agrees with the measurement stays as
 * the decoder wrote it ("centro-temporal" for a C4 focus).
 */
function groundFocusSentence(sentence: string, focus: Focus): string {
  let out = sentence;
  const { side, region, electrode } = focus;
  const sides = [...out.matchAll(SIDE_WORD)].map((m) => m[1].toLowerCase());
  if (side && sides.length && !sides.includes(side)) out = onSide(out, side);
  const regions = [...out.matchAll(REGION_WORD)].map((m) => regionOfWord(m[1]));
  if (region && regions.length && !regions.some((r) => regionsAgree(r, region)))
    out = out.replace(REGION_WORD, WORD_OF[region]);
  if (electrode) {
    const wrong = (e: string) => {
      const at = sideOfElectrode(e);
      const loc = ELECTRODE_LOCATION[e];
      return (
        (side && at !== side && at !== 'midline') || (region && loc && !regionsAgree(loc.region, region))
      );
    };
    out = out.replace(ANY_ELECTRODE_WORD, (e) => (wrong(e) ? electrode : e));
    out = oneOf(out, electrode);
  }
  if (focus.perHour !== undefined)
    out = out.replace(
      PER_HOUR,
      (_w, about: string, _n: string, unit: string) =>
        `${about}${Math.round(focus.perHour as number)}${unit}`,
    );
  return out;
}

/** The sections whose sentences about each measured focus's finding are grounded. */
const FOCUS_SECTIONS: Record<FocusKind, readonly string[]> = {
  focal_slowing: [BACKGROUND, IMPRESSION],
  lpd: [EPILEPTIFORM, IMPRESSION],
  lrda: [EPILEPTIFORM, IMPRESSION],
};

/**
 * Sentences about focal discharges (epileptiform section and impression) with the detector's focus,
 * and about focal slowing (background, impression), LPDs and LRDA (epileptiform section,
 * impression) with their measured focus (`foci`); a sentence that states several keeps to the
 * discharges', then to the first of LPDs, LRDA and focal slowing it states.
 */
function groundFocus(section: string, text: string, facts: GroundFacts): string {
  const discharges: Focus | null =
    section !== BACKGROUND && (facts.focalSide || facts.focusRegion)
      ? {
          side: facts.focalSide,
          region: facts.focusRegion,
          electrode: facts.focusElectrode,
          perHour: facts.focusPerHour,
        }
      : null;
  const others = (['lpd', 'lrda', 'focal_slowing'] as const).filter(
    (k) => facts.foci?.[k] && FOCUS_SECTIONS[k].includes(section),
  );
  if (!discharges && !others.length) return text;
  // sentences, and the impression's numbered lines, keeping what separates them
  return text
    .split(/((?<=[.!?])\s+|\n)/)
    .map((part) => {
      if (!/\S/.test(part)) return part;
      const kinds = statedKindsOf(section, part);
      if (discharges && kinds.has('focal_epileptiform')) return groundFocusSentence(part, discharges);
      const k = others.find((x) => kinds.has(x));
      return k ? groundFocusSentence(part, facts.foci?.[k] as Focus) : part;
    })
    .join('');
}

/** "with one channel of EKG", "and a single EKG lead", ", plus EKG" (and ECG for EKG). */
const ECG_PHRASE =
  /,? (?:plus|(?:with|and) (?:one channel of|a single|an?|one)) (?:EKG|ECG)(?: lead| channel)?/;
/** "and one EOG channel", "with two EOG channels". */
const EOG_PHRASE = /,? (?:and|with|plus) (?:a single|an?|one|two|three|four|\d+) EOG channels?/;
/** The description's montage sentence, whose end names the channels besides the EEG. */
const MONTAGE = /\b10-20\b|\belectrode placement\b|\belectrodes placed\b/;
/** A sentence about electrode artifact at an electrode. */
const ELECTRODE_ARTIFACT = /\belectrode (?:artifact|pops?)\b|\bhigh impedance\b/i;
/** The 10-10 names of the old temporal electrodes, for a text that writes them so. */
const NEW_NAMES: Record<string, string> = { T3: 'T7', T4: 'T8', T5: 'P7', T6: 'P8' };

/** `electrode` named as `text` names electrodes (T7 for T3 where the text writes any 10-10 name). */
function inNamingOf(text: string, electrode: string): string {
  return /\b(?:T7|T8|P7|P8)\b/.test(text) ? (NEW_NAMES[electrode] ?? electrode) : electrode;
}

/**
 * The montage sentence naming the ECG and EOG channels the header has, and no others: a phrase for a
 * kind the recording lacks is cut, one for a kind it has is added at the sentence end. Without a
 * montage sentence, or without the header's channel list, the text stays. Without an ECG channel a
 * short heart-rate sentence goes too.
 */
function groundChannels(text: string, other: Record<string, number>): string {
  const parts = sentencesKeeping(text);
  const i = parts.findIndex((p) => MONTAGE.test(p));
  if (i < 0) return text;
  let sentence = parts[i];
  const ecg = other.ecg ?? 0;
  const eog = other.eog ?? 0;
  if (!ecg) {
    // no heart rate without an ECG: its sentence goes ("HR: 74 bpm.")
    for (let j = parts.length - 1; j > i; j--)
      if (HEART_RATE.test(parts[j]) && parts[j].trim().length < 40) parts.splice(j, 1);
    sentence = sentence.replace(ECG_PHRASE, '');
  }
  if (!eog) sentence = sentence.replace(EOG_PHRASE, '');
  const end = /\.\s*$/.exec(sentence)?.index ?? sentence.length;
  const add: string[] = [];
  if (ecg && !ECG_PHRASE.test(sentence)) add.push(', plus EKG');
  if (eog && !EOG_PHRASE.test(sentence))
    add.push(` and ${NUMBER_WORDS[eog] ?? eog} EOG channel${eog === 1 ? '' : 's'}`);
  if (add.length) {
    // the EKG goes before an EOG phrase the sentence already has, as reports order them
    const eogAt = EOG_PHRASE.exec(sentence)?.index;
    const at = add[0] === ', plus EKG' && eogAt !== undefined ? eogAt : end;
    sentence = sentence.slice(0, at) + add.join('') + sentence.slice(at);
  }
  parts[i] = sentence;
  return parts.join('');
}

/** Electrode artifact placed at the electrode with the most isolated transients. */
function groundArtifactElectrode(text: string, electrode: string): string {
  const named = inNamingOf(text, electrode);
  return sentencesKeeping(text)
    .map((p) => (ELECTRODE_ARTIFACT.test(p) ? oneOf(p.replace(ELECTRODE, named), named) : p))
    .join('');
}

/**
 * "This report covers two recordings of the same session: ..." after the montage sentence (and the
 * state sentence that may follow it), for a multi-file report whose description has no such list.
 */
function addRecordingList(text: string, recs: RecordingFact[]): string {
  const sentence = `This report covers ${NUMBER_WORDS[recs.length] ?? recs.length} recordings of the same session: ${recordingList(recs)}.`;
  const parts = sentencesKeeping(text);
  let i = parts.findIndex((p) => MONTAGE.test(p));
  if (i < 0) i = 0;
  if (/^\s*The patient was\b/.test(parts[i + 1] ?? '')) i++;
  if (!parts[i]?.trim()) return sentence;
  parts.splice(i + 1, 0, ` ${sentence}`);
  return parts.join('');
}

/** "13:05:40": `start` ("HH:MM:SS") plus `seconds`, past midnight as the clock shows it. */
function clockAfter(start: string, seconds: number): string {
  const [h, m, s] = start.split(':').map(Number);
  const t = Math.round(h * 3600 + m * 60 + s + seconds) % 86400;
  const two = (v: number) => String(v).padStart(2, '0');
  return `${two(Math.floor(t / 3600))}:${two(Math.floor(t / 60) % 60)}:${two(t % 60)}`;
}

/**
 * The events section's seizure times written from the ictal rhythm's events: the decoder cannot read a
 * clock from segment vectors, and its times are guesses, often malformed ("At 13:219:4"). The k
 * times of a draft take the k strongest events, in the order of the recording. A time with no event
 * left is removed with its clause ("At ... (...), an electrographic seizure ..." becomes "An
 * electrographic seizure ..."): the draft still states the seizure, without a made-up time.
 */
function groundSeizureTimes(text: string, facts: GroundFacts): string {
  const clauses = text.match(SEIZURE_TIME)?.length ?? 0;
  if (!clauses) return text;
  const recs = facts.recordings ?? [];
  const events = (facts.seizureEvents ?? [])
    .slice(0, clauses)
    .sort((a, b) => a.recording - b.recording || a.onset_s - b.onset_s);
  let k = 0;
  return text
    .replace(SEIZURE_TIME, () => {
      const e = events[k++];
      if (!e) return '\u0000';
      const minutes = Math.round(e.onset_s / 60);
      const into = `${minutes} minute${minutes === 1 ? '' : 's'} into ${recs.length > 1 ? `recording ${e.recording + 1}` : 'the recording'}`;
      const start = recs[e.recording]?.start;
      return start ? `At ${clockAfter(start, e.onset_s)} (${into})` : `At ${into}`;
    })
    .replace(/\u0000[ ,]*(\w)/g, (_w, first: string) => first.toUpperCase())
    .replace(/\u0000[ ,]*/g, '');
}

/**
 * `text` (one section) with the numbers the files determine written from them: in the description,
 * the total duration, the list of a multi-file report's recordings (names, start times, lengths;
 * added where the text has none), the ECG and EOG channels of the montage sentence (from the header),
 * the electrode of electrode artifact (the detector's most isolated transients), the heart rate (from
 * the ECG) and the mains frequency (from the line noise); in the background, the posterior dominant
 * rhythm's frequency (and an amplitude asymmetry's percentage, which nothing measures, is dropped);
 * in the background, the epileptiform section and the impression, the flash frequencies of a
 * photoparoxysmal response; in the epileptiform section and the impression, the side, region and
 * electrodes of focal discharges where they contradict the measured focus, and their rate; those of
 * focal slowing (in the background and the impression), LPDs and LRDA where they contradict their
 * measured focus; in the events section, seizure times (from the ictal rhythm's events). In every
 * section a list of electrodes in parentheses names each once. Other sections and numbers without a
 * measurement are returned as they are.
 */
export function groundNumbers(section: string, text: string, facts: GroundFacts): string {
  return listedOnce(groundSection(section, text, facts));
}

function groundSection(section: string, text: string, facts: GroundFacts): string {
  const photic = (t: string) => (facts.photicHz ? groundPhotic(section, t, facts.photicHz) : t);
  if (section === BACKGROUND) {
    const out = photic(groundFocus(section, text.replace(AMPLITUDE_PERCENT, ''), facts));
    return facts.pdrHz === undefined ? out : groundPdr(out, facts.pdrHz);
  }
  if (section === IMPRESSION) return photic(groundFocus(section, text, facts));
  if (section === EPILEPTIFORM) return photic(groundFocus(section, text, facts));
  if (section === EVENTS) return groundSeizureTimes(text, facts);
  if (section !== DESCRIPTION) return text;
  let out = text;
  const recs = facts.recordings ?? [];
  // the recording list first, so that its per-file lengths are not taken for the total
  let list: string | null = null;
  out = out.replace(COVERS, (whole, covers: string, _count: string, same: string) => {
    if (!facts.recordings) return whole;
    list =
      recs.length < 2
        ? '' // one file: no list, and the sentence's period goes with it (below)
        : `${covers} ${NUMBER_WORDS[recs.length] ?? recs.length} recordings ${same}: ${recordingList(recs)}`;
    return '\u0000';
  });
  if (facts.minutes !== undefined) {
    const seconds = facts.minutes * 60;
    out = out.replace(ADJECTIVE, (_w, a: string) => {
      const adj = durationAdjective(seconds);
      return `${articleFor(a, adj.slice(0, adj.indexOf('-')))} ${adj}`;
    });
    out = out.replace(SPELLED, (_w, prep: string) => `${prep} ${durationWords(seconds)}`);
  }
  if (facts.heartRateBpm !== undefined)
    out = out.replace(
      HEART_RATE,
      (_w, lead: string, _n: string, unit: string) => `${lead}${facts.heartRateBpm}${unit}`,
    );
  if (facts.lineHz !== undefined)
    out = out.replace(MAINS, (_w, _hz: string, rest: string) => `${facts.lineHz}${rest}`);
  if (facts.otherChannels) out = groundChannels(out, facts.otherChannels);
  if (facts.artifactElectrode) out = groundArtifactElectrode(out, facts.artifactElectrode);
  if (list === '') out = out.replace(/\s*\u0000\.?/, '').trim();
  else if (list !== null) out = out.replace('\u0000', list);
  else if (recs.length >= 2 && out.trim()) out = addRecordingList(out, recs);
  return out;
}
