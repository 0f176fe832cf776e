/**
 * Numbers written from the files (./ground.ts): duration, the recordings of a multi-file report,
 * the channels besides the EEG, the electrode of electrode artifact, heart rate and mains in the
 * description; the PDR; the focus of focal discharges; seizure times.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationWords, type GroundFacts, groundNumbers } from '../../src/model/ground.js';

const DESC = 'EEG DESCRIPTION/DETAILS';

test('the stated duration becomes the measured one, with its article', () => {
  const facts: GroundFacts = { minutes: 18.2 };
  assert.equal(
    groundNumbers(DESC, 'A 32-minute EEG was recorded in the awake state. HR: 70 bpm.', facts),
    'An 18-minute EEG was recorded in the awake state. HR: 70 bpm.',
  );
  assert.equal(
    groundNumbers(DESC, 'This is an 81-minute digital video EEG.', { minutes: 24.6 }),
    'This is a 25-minute digital video EEG.',
  );
  assert.equal(
    groundNumbers(DESC, 'Routine EEG of 34 minutes, 19 scalp electrodes.', { minutes: 21 }),
    'Routine EEG of 21 minutes, 19 scalp electrodes.',
  );
  assert.equal(
    groundNumbers(DESC, 'Prolonged video EEG recorded for 20 hours in the awake and asleep states.', {
      minutes: 1440,
    }),
    'Prolonged video EEG recorded for 24 hours in the awake and asleep states.',
  );
  assert.equal(durationWords(60), '1 minute');
  assert.equal(durationWords(150 * 60), '2.5 hours');
});

test('a multi-file list is written from the files; the total is not taken from it', () => {
  const facts: GroundFacts = {
    minutes: 52,
    recordings: [
      { name: 'p_s001_t000.edf', start: '15:06:49', seconds: 24 * 60 },
      { name: 'p_s001_t001.edf', start: '16:05:20', seconds: 28 * 60 },
    ],
  };
  const drafted =
    'Routine EEG of 38 minutes, plus EKG. This report covers three recordings of the same session: ' +
    'recording 1 (x_s001_t000.edf) from 10:00:00 for 12 minutes; recording 2 (x_s001_t001.edf) from ' +
    '11:00:00 for 13 minutes; recording 3 (x_s001_t002.edf) from 12:00:00 for 13 minutes. HR: 61 bpm.';
  assert.equal(
    groundNumbers(DESC, drafted, { ...facts, heartRateBpm: 74 }),
    'Routine EEG of 52 minutes, plus EKG. This report covers two recordings of the same session: ' +
      'recording 1 (p_s001_t000.edf) from 15:06:49 for 24 minutes; recording 2 (p_s001_t001.edf) from ' +
      '16:05:20 for 28 minutes. HR: 74 bpm.',
  );
  // one file: a drafted list of several is wrong, and goes
  const one = { minutes: 20, recordings: [facts.recordings![0]] };
  assert.equal(groundNumbers(DESC, drafted, one), 'Routine EEG of 20 minutes, plus EKG. HR: 61 bpm.');
  // several files and no list: the list follows the montage sentence and the state sentence after it
  assert.equal(
    groundNumbers(
      DESC,
      'Routine EEG of 30 minutes, 19 scalp electrodes placed according to the international 10-20 system. ' +
        'The patient was awake during the recording. Hyperventilation and photic stimulation were performed.',
      facts,
    ),
    'Routine EEG of 52 minutes, 19 scalp electrodes placed according to the international 10-20 system. ' +
      'The patient was awake during the recording. This report covers two recordings of the same session: ' +
      'recording 1 (p_s001_t000.edf) from 15:06:49 for 24 minutes; recording 2 (p_s001_t001.edf) from ' +
      '16:05:20 for 28 minutes. Hyperventilation and photic stimulation were performed.',
  );
});

test("the montage sentence names the header's ECG and EOG channels, and no others", () => {
  const montage = 'A 20-minute EEG was recorded in the awake state with standard 10-20 electrode placement';
  const rest = ' Hyperventilation and photic stimulation were performed.';
  const ground = (text: string, otherChannels: Record<string, number>) =>
    groundNumbers(DESC, text, { otherChannels });
  // added, EKG before EOG
  assert.equal(
    ground(`${montage}.${rest}`, { ecg: 1, eog: 1 }),
    `${montage}, plus EKG and one EOG channel.${rest}`,
  );
  assert.equal(
    ground(`${montage} and one EOG channel.${rest}`, { ecg: 1, eog: 1 }),
    `${montage}, plus EKG and one EOG channel.${rest}`,
  );
  // a wording of the model that agrees stays
  assert.equal(
    ground(`${montage} and a single EKG lead.${rest}`, { ecg: 1 }),
    `${montage} and a single EKG lead.${rest}`,
  );
  // channels the recording lacks go, and so does a heart rate without an ECG
  assert.equal(
    ground(`${montage} with one channel of EKG and one EOG channel. HR: 70 bpm.${rest}`, {}),
    `${montage}.${rest}`,
  );
  assert.equal(ground(`${montage}.${rest}`, { eog: 2 }), `${montage} and two EOG channels.${rest}`);
  // no montage sentence: nothing to place them in
  assert.equal(ground(`No activation.${rest}`, { ecg: 1 }), `No activation.${rest}`);
});

test("electrode artifact is placed at the electrode with the most isolated transients, in the text's naming", () => {
  const ground = (text: string) => groundNumbers(DESC, text, { artifactElectrode: 'T5' });
  assert.equal(
    ground(
      'Eye blink artifact is seen at Fp1. There is electrode artifact at F7, likely due to high impedance.',
    ),
    'Eye blink artifact is seen at Fp1. There is electrode artifact at T5, likely due to high impedance.',
  );
  assert.equal(
    ground('Intermittent electrode artifact (electrode pops) at T8.'),
    'Intermittent electrode artifact (electrode pops) at P7.',
  );
  // two electrodes named: one measured
  assert.equal(
    ground('There is electrode artifact at F7 and T3, likely due to high impedance.'),
    'There is electrode artifact at T5, likely due to high impedance.',
  );
});

test('mains and heart rate only with a measurement; other sections untouched', () => {
  const text = 'There is 60 Hz artifact in several channels. The heart rate was 88 bpm.';
  assert.equal(
    groundNumbers(DESC, text, { lineHz: 50, heartRateBpm: 64 }),
    'There is 50 Hz artifact in several channels. The heart rate was 64 bpm.',
  );
  assert.equal(groundNumbers(DESC, text, {}), text);
  // a 60 Hz photic flash is no mains statement
  const photic = 'Photic stimulation at 60 Hz was performed.';
  assert.equal(groundNumbers(DESC, photic, { lineHz: 50 }), photic);
  const bg = 'A 32-minute EEG. There is 60 Hz artifact.';
  assert.equal(groundNumbers('BACKGROUND ACTIVITY', bg, { minutes: 20, lineHz: 50 }), bg);
});

test("the background's PDR sentence gets the measured frequency, to 0.1 Hz", () => {
  const BG = 'BACKGROUND ACTIVITY';
  assert.equal(
    groundNumbers(
      BG,
      'The background is organized, with an 8-9 Hz posterior dominant rhythm, which attenuates with eye opening. Photic stimulation elicited a driving response at 6-25 Hz.',
      { pdrHz: 10.234 },
    ),
    'The background is organized, with a 10.2 Hz posterior dominant rhythm, which attenuates with eye opening. Photic stimulation elicited a driving response at 6-25 Hz.',
  );
  assert.equal(
    groundNumbers(BG, 'The posterior dominant rhythm is 9.5 Hz and 50 µV in amplitude.', { pdrHz: 8.96 }),
    'The posterior dominant rhythm is 9 Hz and 50 µV in amplitude.',
  );
  assert.equal(
    groundNumbers(BG, 'A 9.5 Hz posterior dominant rhythm is seen.', { pdrHz: 8.04 }),
    'An 8 Hz posterior dominant rhythm is seen.',
  );
  // an absent PDR stays absent; the photic sentence is not a PDR sentence
  const absent = 'A posterior dominant rhythm is not seen. Photic driving at 5-25 Hz.';
  assert.equal(groundNumbers(BG, absent, { pdrHz: 9.1 }), absent);
});

test("an asymmetry's amplitude percentage, which nothing measures, is dropped and the comparison kept", () => {
  const BG = 'BACKGROUND ACTIVITY';
  const sided =
    'There is a background asymmetry, with the posterior dominant rhythm 60% lower in amplitude over the right hemisphere.';
  const kept =
    'There is a background asymmetry, with the posterior dominant rhythm lower in amplitude over the right hemisphere.';
  assert.equal(groundNumbers(BG, sided, {}), kept);
  assert.equal(groundNumbers(BG, sided, { pdrHz: 9.1 }), kept);
  // a percentage of something else stays (and other sections are left alone)
  const other = 'Beta activity makes up 20% of the record.';
  assert.equal(groundNumbers(BG, other, {}), other);
  assert.equal(groundNumbers('IMPRESSION/INTERPRETATION', sided, {}), sided);
});

test('sentences about focal discharges take the measured side, region and electrode where they contradict it', () => {
  const facts: GroundFacts = { focalSide: 'right', focusRegion: 'temporal', focusElectrode: 'T4' };
  const EPI = 'EPILEPTIFORM ABNORMALITIES';
  assert.equal(
    groundNumbers(EPI, 'Occasional possible left frontal spikes, maximal at F3 and T4.', facts),
    'Occasional possible right temporal spikes, maximal at T4.',
  );
  // what agrees stays as written: "fronto-temporal" shares the temporal lobe, F8 is right frontotemporal
  const agrees = 'Right fronto-temporal sharp waves (F8), frequent, about 64 per hour.';
  assert.equal(groundNumbers(EPI, agrees, facts), agrees);
  // the impression's numbered items and closing line; its other items are left alone
  const impression =
    'Abnormal EEG due to:\n1. Occasional left frontal epileptiform discharges.\n2. Intermittent left frontal slowing.\n' +
    'These findings indicate a potentially epileptogenic focus in the left frontal region.';
  assert.equal(
    groundNumbers('IMPRESSION/INTERPRETATION', impression, facts),
    'Abnormal EEG due to:\n1. Occasional right temporal epileptiform discharges.\n2. Intermittent left frontal slowing.\n' +
      'These findings indicate a potentially epileptogenic focus in the right temporal region.',
  );
  // a denial names no focus to correct; without a measured focus nothing changes
  const none = 'No left frontal epileptiform discharges were seen.';
  assert.equal(groundNumbers(EPI, none, facts), none);
  assert.equal(groundNumbers(EPI, 'Left frontal spikes at F3.', {}), 'Left frontal spikes at F3.');
  // the rate is the detector's
  const rated = { ...facts, focusPerHour: 93.6 };
  assert.equal(groundNumbers(EPI, agrees, rated), agrees.replace('64', '94'));
  assert.equal(
    groundNumbers(
      EPI,
      'There are frequent right temporal spikes at T4, occurring approximately 46 times per hour.',
      rated,
    ),
    'There are frequent right temporal spikes at T4, occurring approximately 94 times per hour.',
  );
});

test('seizure times are the strongest ictal events, in recording order; a time with no event goes with its clause', () => {
  const EV = 'EVENTS/SEIZURES';
  const one = [{ name: 'p_s001_t000.edf', start: '23:50:10', seconds: 1800 }];
  const draft =
    'Two seizures were recorded. At 13:219:4 (1222 minutes into the recording), the recording), an electrographic seizure without clinical correlate began: rhythmic 7 Hz activity arising from the left temporal region. ' +
    'At 15:3:4 (7 minutes into the recording) during hyperventilation, a 9-second run of generalized 3 Hz spike-and-wave discharges was accompanied by staring (absence seizure).';
  const facts: GroundFacts = {
    recordings: one,
    seizureEvents: [
      { recording: 0, onset_s: 1200, score: 4.1 },
      { recording: 0, onset_s: 430, score: 3.2 },
      { recording: 0, onset_s: 900, score: 2.4 },
    ],
  };
  // the two strongest, earlier first; the clock passes midnight
  assert.equal(
    groundNumbers(EV, draft, facts),
    'Two seizures were recorded. At 23:57:20 (7 minutes into the recording), an electrographic seizure without clinical correlate began: rhythmic 7 Hz activity arising from the left temporal region. ' +
      'At 00:10:10 (20 minutes into the recording) during hyperventilation, a 9-second run of generalized 3 Hz spike-and-wave discharges was accompanied by staring (absence seizure).',
  );
  // one event for two times: the second clause loses its time, not its seizure
  assert.equal(
    groundNumbers(EV, draft, { recordings: one, seizureEvents: [{ recording: 0, onset_s: 60, score: 3 }] }),
    'Two seizures were recorded. At 23:51:10 (1 minute into the recording), an electrographic seizure without clinical correlate began: rhythmic 7 Hz activity arising from the left temporal region. ' +
      'During hyperventilation, a 9-second run of generalized 3 Hz spike-and-wave discharges was accompanied by staring (absence seizure).',
  );
  // several files: the recording is named; a file without a start time gives minutes only
  const two = [one[0], { name: 'p_s001_t001.edf', start: null, seconds: 600 }];
  assert.equal(
    groundNumbers(EV, 'At 10:52:4 (7 minutes into recording 1), the patient had a clinical seizure.', {
      recordings: two,
      seizureEvents: [{ recording: 1, onset_s: 130, score: 3 }],
    }),
    'At 2 minutes into recording 2, the patient had a clinical seizure.',
  );
  // no seizure time, or no events at all: nothing to write
  const none = 'No seizures or pushbutton events were recorded.';
  assert.equal(groundNumbers(EV, none, facts), none);
  assert.equal(
    groundNumbers(EV, 'At 13:5:4 (7 minutes into the recording), a seizure began.', { recordings: one }),
    'A seizure began.',
  );
});

test('sentences about focal slowing take the side, region and electrode of the most lateralized slow power', () => {
  const facts: GroundFacts = {
    foci: { focal_slowing: { side: 'left', region: 'temporal', electrode: 'T3' } },
    focalSide: 'right',
    focusRegion: 'frontal',
    focusElectrode: 'F4',
  };
  const BG = 'BACKGROUND ACTIVITY';
  assert.equal(
    groundNumbers(BG, 'There is intermittent focal slowing in the right frontal region (F4, F8).', facts),
    'There is intermittent focal slowing in the left temporal region (T3).',
  );
  // a 10-10 electrode on the other side goes too
  assert.equal(
    groundNumbers(BG, 'There is intermittent focal slowing in the left temporal region (T3, F6, T3).', facts),
    'There is intermittent focal slowing in the left temporal region (T3).',
  );
  // an electrode listed twice is listed once, in any section and whatever its naming
  assert.equal(
    groundNumbers(BG, 'There is intermittent focal slowing in the left temporal region (T3, F7, T3).', facts),
    'There is intermittent focal slowing in the left temporal region (T3, F7).',
  );
  assert.equal(
    groundNumbers('EPILEPTIFORM ABNORMALITIES', 'Sharp waves (T7, FT9, T7), and at Fz (Fz).', {}),
    'Sharp waves (T7, FT9), and at Fz (Fz).',
  );
  // what agrees stays; the PDR sentence is not about slowing
  const agrees =
    'Intermittent left centro-temporal delta slowing is present, maximal at T3 and T5. A 9 Hz PDR.';
  assert.equal(groundNumbers(BG, agrees, facts), agrees);
  // in the impression each item keeps to its own finding's focus
  const imp =
    'Abnormal EEG due to:\n1. Occasional left temporal sharp waves.\n2. Intermittent focal polymorphic delta activity over the right frontal region.';
  assert.equal(
    groundNumbers('IMPRESSION/INTERPRETATION', imp, facts),
    'Abnormal EEG due to:\n1. Occasional right frontal sharp waves.\n2. Intermittent focal polymorphic delta activity over the left temporal region.',
  );
  // without a lateralized slow power nothing moves; the epileptiform section has no slowing to ground
  const slow = 'There is intermittent focal slowing in the right frontal region.';
  assert.equal(groundNumbers(BG, slow, {}), slow);
  assert.equal(
    groundNumbers('EPILEPTIFORM ABNORMALITIES', slow, {
      ...facts,
      focalSide: undefined,
      focusRegion: undefined,
    }),
    slow,
  );
});

test('a photoparoxysmal response gets the flash frequencies that provoked discharges; photic driving does not', () => {
  const facts: GroundFacts = { photicHz: [14, 25] };
  const EPI = 'EPILEPTIFORM ABNORMALITIES';
  assert.equal(
    groundNumbers(
      EPI,
      'Generalized spike-and-wave at 3 Hz. Photic stimulation at 15-24-25-24 Hz elicited a photoparoxysmal response with generalized polyspike-and-wave discharges.',
      facts,
    ),
    'Generalized spike-and-wave at 3 Hz. Photic stimulation at 14-25 Hz elicited a photoparoxysmal response with generalized polyspike-and-wave discharges.',
  );
  assert.equal(
    groundNumbers('IMPRESSION/INTERPRETATION', '2. Photoparoxysmal response at 12 Hz and above.', facts),
    '2. Photoparoxysmal response at 14 Hz and above.',
  );
  const driving = 'Photic stimulation elicited a symmetric driving response at 6-24 Hz.';
  assert.equal(groundNumbers('BACKGROUND ACTIVITY', driving, facts), driving);
  assert.equal(groundNumbers('BACKGROUND ACTIVITY', driving, { photicHz: [20, 20] }), driving);
  assert.equal(
    groundNumbers(EPI, 'Photic stimulation at 15-24 Hz elicited a photoparoxysmal response.', {
      photicHz: [20, 20],
    }),
    'Photic stimulation at 20 Hz elicited a photoparoxysmal response.',
  );
});

test('LPDs and LRDA take the side and region of their measured foci, each its own', () => {
  const facts: GroundFacts = {
    foci: {
      lpd: { side: 'left', region: 'temporal', electrode: 'T3' },
      lrda: { side: 'right', region: 'frontotemporal', electrode: 'F8' },
    },
  };
  const EPI = 'EPILEPTIFORM ABNORMALITIES';
  assert.equal(
    groundNumbers(EPI, 'There are abundant right central LPDs at 1.5 Hz.', facts),
    'There are abundant left temporal LPDs at 1.5 Hz.',
  );
  assert.equal(
    groundNumbers(EPI, 'There is frequent left parietal rhythmic delta activity (LRDA), 1.5 Hz.', facts),
    'There is frequent right frontotemporal rhythmic delta activity (LRDA), 1.5 Hz.',
  );
  // GPDs are generalized: nothing to ground; LRDA is not grounded in the background
  const gpd = 'There are frequent GPDs at 2 Hz with triphasic morphology.';
  assert.equal(groundNumbers(EPI, gpd, facts), gpd);
  const bg = 'There is frequent left parietal rhythmic delta activity (LRDA), 1.5 Hz.';
  assert.equal(groundNumbers('BACKGROUND ACTIVITY', bg, facts), bg);
});
