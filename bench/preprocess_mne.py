"""MNE-Python peer of `celm preprocess` for bench/preprocess.ts (CELM's recipe, MNE 1.3 defaults).

read_raw_edf(preload) -> filter(0.1, 75) -> notch_filter(60) -> resample(200) -> 10-s segments in
CELM's 22-channel order (absent channels zeros) -> segments.npy (float32, microvolts).
"""
import sys

import mne
import numpy as np

CELM = ['C3', 'C4', 'O1', 'O2', 'Cz', 'F3', 'F4', 'F7', 'F8', 'Fz', 'Fp1', 'Fp2', 'Fpz',
        'P3', 'P4', 'Pz', 'T3', 'T4', 'T5', 'T6', 'A1', 'A2']

src, out = sys.argv[1], sys.argv[2]
mne.set_log_level('error')
raw = mne.io.read_raw_edf(src, preload=True)
names = {ch.replace('EEG ', '').split('-')[0]: ch for ch in raw.ch_names}
picks = [names[c] for c in CELM if c in names]
raw.pick(picks)
raw.filter(0.1, 75)
raw.notch_filter(60)
raw.resample(200)
data = raw.get_data() * 1e6
n_seg = data.shape[1] // 2000
seg = np.zeros((n_seg, len(CELM), 2000), np.float32)
for j, c in enumerate(CELM):
    if c in names:
        row = data[picks.index(names[c])]
        seg[:, j, :] = row[: n_seg * 2000].reshape(n_seg, 2000)
np.save(out, seg)
print(seg.shape)
