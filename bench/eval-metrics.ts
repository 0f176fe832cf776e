/**
 * bench/eval-metrics: score 10,000 section pairs with every celm text metric (BLEU-1/4 plain and
 * smoothed, ROUGE-1/2/L/Lsum with and without stemming, METEOR with WordNet) and print pairs/s. When
 * Debian's python3-nltk is installed, the same pairs go through NLTK 3.8's METEOR (on WordNet 3.0 from
 * wordnet-base) plus a small inline Python version of tensorflow/nmt's compute_bleu with the 13a
 * tokenizer and of rouge_score's ROUGE (rouge_score itself is not packaged by Debian), and the ratio is
 * printed. Not a unit test: run it by hand.
 *
 *   npx tsc -p . && node dist/bench/eval-metrics.js [--pairs N]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CorpusScorer, meteorTokenize, scorePair, WordNet } from '../src/eval/metrics/index.js';
import { debianPython } from './common.js';

const outDir = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'bench', 'out');

const SENTENCES = [
  'The background consists of a well-formed 9 Hz posterior dominant rhythm that attenuates with eye opening.',
  'In wakefulness there is a symmetric 10 Hz alpha rhythm, reactive to eye opening, with low voltage frontocentral beta.',
  'The waking background is diffusely slow with a poorly sustained 7 Hz posterior rhythm and intermixed theta.',
  'Frequent left temporal sharp waves, maximal at T3, more frequent in sleep.',
  'Occasional right central spikes with a field to neighbouring electrodes (C4).',
  'Generalized 3 Hz spike-and-wave discharges lasting 2-12 seconds, provoked by hyperventilation.',
  'Lateralized periodic discharges over the right hemisphere at 1-1.5 Hz, maximal F8.',
  'No epileptiform discharges were seen.',
  'Drowsiness with slow roving eye movements; N1 and N2 sleep with normal sleep transients.',
  'Stage N2 sleep was recorded with symmetric spindles and vertex waves.',
  'Sleep architecture is disrupted; spindles are poorly formed over the left hemisphere.',
  'One electrographic seizure at 03:14 arising from the left temporal region, lasting 90 seconds, without clinical correlate.',
  'Three pushbutton events were captured; none had an EEG correlate.',
  'Abnormal EEG due to intermittent left temporal slowing and sharp waves, indicating focal cerebral dysfunction with epileptogenic potential.',
  'Normal EEG in wakefulness and sleep.',
  'Photic stimulation produced a symmetric driving response at 6-12 Hz.',
  'Hyperventilation produced mild diffuse slowing that resolved within one minute.',
];
const EDITS: Array<[RegExp, string]> = [
  [/left/g, 'right'],
  [/frequent/gi, 'occasional'],
  [/slowing/g, 'slow activity'],
  [/recorded/g, 'captured'],
  [/symmetric/g, 'symmetrical'],
  [/seizure/g, 'event'],
  [/attenuates/g, 'blocks'],
];

/** Deterministic section pairs: 1-4 sentences each; the prediction is an edited, shuffled, trimmed copy. */
export function makePairs(n: number): Array<{ reference: string; prediction: string }> {
  let s = 12345;
  const rand = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const pick = () => SENTENCES[Math.floor(rand() * SENTENCES.length)];
  const pairs: Array<{ reference: string; prediction: string }> = [];
  for (let i = 0; i < n; i++) {
    const ref = Array.from({ length: 1 + Math.floor(rand() * 4) }, pick);
    let pred = ref.filter(() => rand() > 0.2);
    if (rand() < 0.3) pred.push(pick());
    pred = pred.map((x) => {
      let y = x;
      for (const [re, rep] of EDITS) if (rand() < 0.15) y = y.replace(re, rep);
      if (rand() < 0.1) y = y.toUpperCase();
      return y;
    });
    pairs.push({ reference: ref.join(' '), prediction: pred.join(' ') });
  }
  return pairs;
}

const PYTHON = String.raw`
import collections, json, math, os, re, sys, tempfile, time, warnings
warnings.filterwarnings('ignore')
from nltk.corpus.reader.wordnet import WordNetCorpusReader
from nltk.stem.porter import PorterStemmer
from nltk.translate.meteor_score import single_meteor_score
LEX = ("adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute noun.body noun.cognition noun.communication noun.event noun.feeling noun.food noun.group noun.location noun.motive noun.object noun.person noun.phenomenon noun.plant noun.possession noun.process noun.quantity noun.relation noun.shape noun.state noun.substance noun.time verb.body verb.change verb.cognition verb.communication verb.competition verb.consumption verb.contact verb.creation verb.emotion verb.motion verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl").split()
d = tempfile.mkdtemp()
for f in os.listdir('/usr/share/wordnet'): os.symlink('/usr/share/wordnet/' + f, d + '/' + f)
with open(d + '/lexnames', 'w') as fh:
    for i, n in enumerate(LEX): fh.write('%02d\t%s\t%d\n' % (i, n, {'noun': 1, 'verb': 2, 'adj': 3, 'adv': 4}[n.split('.')[0]]))
wn = WordNetCorpusReader(d, None)
wn.synsets('dog')
pairs = [json.loads(l) for l in open(sys.argv[1])]
RE13 = [(re.compile(r'([\{-\~\[-\` -\&\(-\+\:-\@\/])'), r' \1 '), (re.compile(r'([^0-9])([\.,])'), r'\1 \2 '), (re.compile(r'([\.,])([^0-9])'), r' \1 \2'), (re.compile(r'([0-9])(-)'), r'\1 \2 ')]
def tok13a(line):
    line = line.replace('<skipped>', '').replace('-\n', '').replace('\n', ' ')
    line = ' %s ' % line
    for r, s in RE13: line = r.sub(s, line)
    return line.split()
def ngrams(seg, n):
    c = collections.Counter()
    for o in range(1, n + 1):
        for i in range(len(seg) - o + 1): c[tuple(seg[i:i + o])] += 1
    return c
def bleu(ref, hyp, n, smooth):
    m = [0] * n; p = [0] * n
    ov = ngrams(hyp, n) & ngrams(ref, n)
    for g in ov: m[len(g) - 1] += ov[g]
    for o in range(1, n + 1):
        if len(hyp) - o + 1 > 0: p[o - 1] += len(hyp) - o + 1
    pr = [((m[i] + 1.) / (p[i] + 1.)) if smooth else (m[i] / p[i] if p[i] else 0.) for i in range(n)]
    g = math.exp(sum(math.log(x) / n for x in pr)) if min(pr) > 0 else 0
    r = len(hyp) / len(ref)
    return g * (1. if r > 1 else math.exp(1 - 1. / r)) if len(hyp) else 0.
ps = PorterStemmer()
def rtok(t, stem):
    toks = re.split(r'\s+', re.sub(r'[^a-z0-9]+', ' ', t.lower()))
    if stem: toks = [ps.stem(x) if len(x) > 3 else x for x in toks]
    return [x for x in toks if re.match(r'^[a-z0-9]+$', x)]
def f(p, r): return 2 * p * r / (p + r) if p + r > 0 else 0.
def rn(a, b, n):
    A = collections.Counter(tuple(a[i:i + n]) for i in range(len(a) - n + 1)); B = collections.Counter(tuple(b[i:i + n]) for i in range(len(b) - n + 1))
    o = sum(min(A[k], B[k]) for k in B)
    return f(o / max(sum(B.values()), 1), o / max(sum(A.values()), 1))
def table(a, b):
    t = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            t[i][j] = t[i - 1][j - 1] + 1 if a[i - 1] == b[j - 1] else max(t[i - 1][j], t[i][j - 1])
    return t
def rl(a, b):
    if not a or not b: return 0.
    l = table(a, b)[-1][-1]
    return f(l / len(b), l / len(a))
def lcs_ind(r, c):
    t = table(r, c); i, j, out = len(r), len(c), []
    while i > 0 and j > 0:
        if r[i - 1] == c[j - 1]: out.insert(0, i - 1); i -= 1; j -= 1
        elif t[i][j - 1] > t[i - 1][j]: j -= 1
        else: i -= 1
    return out
def rlsum(ref, pred, stem):
    R = [rtok(s, stem) for s in ref.split('\n') if s]; C = [rtok(s, stem) for s in pred.split('\n') if s]
    if not R or not C: return 0.
    m = sum(map(len, R)); n = sum(map(len, C))
    if not m or not n: return 0.
    cr = collections.Counter(); cc = collections.Counter()
    for s in R: cr.update(s)
    for s in C: cc.update(s)
    hits = 0
    for r in R:
        u = sorted(set().union(*[lcs_ind(r, c) for c in C]))
        for t in [r[i] for i in u]:
            if cc[t] > 0 and cr[t] > 0: hits += 1; cc[t] -= 1; cr[t] -= 1
    return f(hits / n, hits / m)
t0 = time.perf_counter()
acc = 0.
for p in pairs:
    R, H = tok13a(p['reference']), tok13a(p['prediction'])
    for n in (1, 4):
        for s in (False, True): acc += bleu(R, H, n, s)
    for stem in (False, True):
        a, b = rtok(p['reference'], stem), rtok(p['prediction'], stem)
        acc += rn(a, b, 1) + rn(a, b, 2) + rl(a, b) + rlsum(p['reference'], p['prediction'], stem)
    acc += single_meteor_score(p['meteor_tokens']['reference'], p['meteor_tokens']['prediction'], wordnet=wn)
print(json.dumps({'seconds': time.perf_counter() - t0, 'check': acc}))
`;

function main(): void {
  const arg = process.argv.indexOf('--pairs');
  const n = arg > 0 ? Number(process.argv[arg + 1]) : 10_000;
  const pairs = makePairs(n);
  const t0 = performance.now();
  const wordnet = WordNet.load();
  const tLoad = performance.now() - t0;
  console.log(
    `WordNet: ${wordnet ? `${wordnet.source.version} at ${wordnet.source.dir}` : 'none'} (loaded in ${tLoad.toFixed(0)} ms)`,
  );
  const tokens = pairs.map((p) => ({
    reference: meteorTokenize(p.reference),
    prediction: meteorTokenize(p.prediction),
  }));
  let best = Number.POSITIVE_INFINITY;
  let check = 0;
  for (let run = 0; run < 3; run++) {
    const t = performance.now();
    const scorer = new CorpusScorer();
    check = 0;
    pairs.forEach((p, i) => {
      const s = scorePair({ ...p, meteorTokens: tokens[i] }, { wordnet });
      scorer.add(s);
      for (const v of Object.values(s.scores)) check += v ?? 0;
    });
    scorer.result();
    best = Math.min(best, (performance.now() - t) / 1000);
  }
  console.log(
    `celm: ${n} pairs in ${best.toFixed(2)} s (best of 3) = ${(n / best).toFixed(0)} pairs/s (sum of scores ${check.toFixed(4)})`,
  );
  const t1 = performance.now();
  for (const p of pairs) scorePair(p, { wordnet });
  const withTok = (performance.now() - t1) / 1000;
  console.log(`celm with its METEOR tokenizer: ${(n / withTok).toFixed(0)} pairs/s`);

  const hasNltk =
    existsSync(debianPython) &&
    spawnSync(debianPython, ['-c', 'import nltk'], { encoding: 'utf8' }).status === 0 &&
    existsSync('/usr/share/wordnet/index.noun');
  if (!hasNltk) {
    console.log('python: skipped (needs /usr/bin/python3 with python3-nltk and wordnet-base)');
    return;
  }
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, 'eval-pairs.jsonl');
  writeFileSync(file, pairs.map((p, i) => JSON.stringify({ ...p, meteor_tokens: tokens[i] })).join('\n'));
  const r = spawnSync(debianPython, ['-c', PYTHON, file], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    console.log(`python: failed: ${r.stderr.trim().split('\n').pop()}`);
    return;
  }
  const py = JSON.parse(r.stdout) as { seconds: number; check: number };
  console.log(
    `python (NLTK 3.8 METEOR + inline compute_bleu / rouge_score logic): ${n} pairs in ${py.seconds.toFixed(2)} s = ${(n / py.seconds).toFixed(0)} pairs/s (sum of scores ${py.check.toFixed(4)})`,
  );
  console.log(`ratio: celm is ${(py.seconds / best).toFixed(1)}x the Python reference's speed`);
}

main();
