/**
 * Simulated recording "sites": each labels channels its own way, records at its own rate and line
 * frequency, and writes reports with its own headers and section order (like the hospitals of a real
 * multi-site corpus). Canonical CELM section names map to each site's headers.
 */
import type { CelmSectionName } from '../../clinical/sections.js';
import type { LabelStyle } from './montage.js';

/** Report blocks: the six CELM sections plus the history/medication header lines. */
export type Block = CelmSectionName | 'HISTORY' | 'MEDICATIONS';

export interface Site {
  id: string;
  name: string;
  labelStyle: LabelStyle;
  sampleRates: number[];
  lineHz: 50 | 60;
  equipment: string;
  prefilter: string;
  annotationStyle: 0 | 1 | 2;
  ecg: number;
  eog: number;
  /** Records Fpz. */
  fpz: boolean;
  /** Uses new temporal names (T7/T8/P7/P8) in reports. */
  newNames: boolean;
  /** Report layout: header per block (null = merged into the previous block's paragraph). */
  headers: Partial<Record<Block, string | null>>;
  order: Block[];
  /** 'colon' = "HEADER: text" on one line; 'line' = header on its own line, text below. */
  headerStyle: 'colon' | 'line';
  /** Numbered impression ("1. ...") or prose. */
  numberedImpression: boolean;
}

export const SITES: Site[] = [
  {
    id: 'A',
    name: 'Temple-style university hospital',
    labelStyle: 'tuh-ref',
    sampleRates: [250, 256],
    lineHz: 60,
    equipment: 'Natus_XLTEK',
    prefilter: 'HP:0.5Hz LP:70Hz N:60Hz',
    annotationStyle: 0,
    ecg: 0.9,
    eog: 0,
    fpz: false,
    newNames: false,
    headers: {
      HISTORY: 'CLINICAL HISTORY',
      MEDICATIONS: 'MEDICATIONS',
      'EEG DESCRIPTION/DETAILS': 'INTRODUCTION',
      'BACKGROUND ACTIVITY': 'DESCRIPTION OF THE RECORD',
      SLEEP: null,
      'EPILEPTIFORM ABNORMALITIES': 'ABNORMAL DISCHARGES',
      'EVENTS/SEIZURES': 'SEIZURES',
      'IMPRESSION/INTERPRETATION': 'IMPRESSION',
    },
    order: [
      'HISTORY',
      'MEDICATIONS',
      'EEG DESCRIPTION/DETAILS',
      'BACKGROUND ACTIVITY',
      'SLEEP',
      'EPILEPTIFORM ABNORMALITIES',
      'EVENTS/SEIZURES',
      'IMPRESSION/INTERPRETATION',
    ],
    headerStyle: 'colon',
    numberedImpression: true,
  },
  {
    id: 'B',
    name: 'European epilepsy centre',
    labelStyle: 'plain',
    sampleRates: [256, 500],
    lineHz: 50,
    equipment: 'Micromed',
    prefilter: 'HP:0.15Hz LP:120Hz',
    annotationStyle: 1,
    ecg: 0.6,
    eog: 0.5,
    fpz: true,
    newNames: true,
    headers: {
      HISTORY: 'Indication',
      MEDICATIONS: 'Current medication',
      'EEG DESCRIPTION/DETAILS': 'Technical details',
      'BACKGROUND ACTIVITY': 'Background',
      SLEEP: 'Sleep',
      'EPILEPTIFORM ABNORMALITIES': 'Interictal findings',
      'EVENTS/SEIZURES': 'Events',
      'IMPRESSION/INTERPRETATION': 'Interpretation',
    },
    order: [
      'HISTORY',
      'MEDICATIONS',
      'EEG DESCRIPTION/DETAILS',
      'BACKGROUND ACTIVITY',
      'SLEEP',
      'EPILEPTIFORM ABNORMALITIES',
      'EVENTS/SEIZURES',
      'IMPRESSION/INTERPRETATION',
    ],
    headerStyle: 'line',
    numberedImpression: false,
  },
  {
    id: 'C',
    name: 'Community hospital',
    labelStyle: 'tuh-le',
    sampleRates: [200, 256],
    lineHz: 60,
    equipment: 'Nihon_Kohden',
    prefilter: 'HP:1Hz LP:70Hz',
    annotationStyle: 2,
    ecg: 1,
    eog: 0,
    fpz: false,
    newNames: false,
    headers: {
      HISTORY: 'REASON FOR STUDY',
      MEDICATIONS: 'MEDS',
      'EEG DESCRIPTION/DETAILS': 'TECHNIQUE',
      'BACKGROUND ACTIVITY': 'BACKGROUND',
      SLEEP: 'SLEEP',
      'EPILEPTIFORM ABNORMALITIES': 'EPILEPTIFORM ACTIVITY',
      'EVENTS/SEIZURES': 'EVENTS',
      'IMPRESSION/INTERPRETATION': 'INTERPRETATION',
    },
    order: [
      'HISTORY',
      'MEDICATIONS',
      'EEG DESCRIPTION/DETAILS',
      'BACKGROUND ACTIVITY',
      'EPILEPTIFORM ABNORMALITIES',
      'SLEEP',
      'EVENTS/SEIZURES',
      'IMPRESSION/INTERPRETATION',
    ],
    headerStyle: 'colon',
    numberedImpression: true,
  },
  {
    id: 'D',
    name: 'Critical-care monitoring service',
    labelStyle: 'tuh-ref',
    sampleRates: [200, 250, 500],
    lineHz: 60,
    equipment: 'Persyst_Natus',
    prefilter: 'HP:0.3Hz LP:70Hz',
    annotationStyle: 0,
    ecg: 1,
    eog: 0.3,
    fpz: true,
    newNames: false,
    headers: {
      HISTORY: 'HISTORY',
      MEDICATIONS: 'MEDICATIONS',
      'EEG DESCRIPTION/DETAILS': 'EEG DETAILS',
      'BACKGROUND ACTIVITY': 'BACKGROUND',
      SLEEP: 'STATE CHANGES',
      'EPILEPTIFORM ABNORMALITIES': 'EPILEPTIFORM ABNORMALITIES',
      'EVENTS/SEIZURES': 'EVENTS/SEIZURES',
      'IMPRESSION/INTERPRETATION': 'CLINICAL INTERPRETATION',
    },
    order: [
      'HISTORY',
      'MEDICATIONS',
      'EEG DESCRIPTION/DETAILS',
      'BACKGROUND ACTIVITY',
      'SLEEP',
      'EPILEPTIFORM ABNORMALITIES',
      'EVENTS/SEIZURES',
      'IMPRESSION/INTERPRETATION',
    ],
    headerStyle: 'colon',
    numberedImpression: true,
  },
];

export function siteById(id: string): Site {
  const s = SITES.find((x) => x.id === id);
  if (!s) throw new Error(`unknown site ${id}`);
  return s;
}
