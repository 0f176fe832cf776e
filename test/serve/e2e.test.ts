/**
 * Browser end-to-end test of the review app: playwright-core driving Debian's Chromium
 * (`apt-get install chromium`). Skips with a message when /usr/bin/chromium is absent. Screenshots go to
 * test-output/serve-e2e/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../helpers/shared.js';
import { tempDir } from '../helpers/tmp.js';
import { type Running, startServer } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const have = existsSync(CHROMIUM);
const skip = have ? false : `${CHROMIUM} is absent (apt-get install chromium)`;
const OUT = join(repoRoot, 'test-output', 'serve-e2e');
const DEMO = join(repoRoot, 'data/demo/64280360/s001_2013_09_23/64280360_s001_t000.edf');

let srv: Running;
let browser: Browser;
let page: Page;
const data = tempDir('celm-e2e-');

before(async () => {
  if (!have) return;
  mkdirSync(OUT, { recursive: true });
  srv = await startServer(data);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
  // The app's CSP forbids eval; the test's string predicates need it (the app itself does not).
  const ctx = await browser.newContext({
    viewport: { width: 1600, height: 900 },
    acceptDownloads: true,
    bypassCSP: true,
  });
  page = await ctx.newPage();
  page.setDefaultTimeout(20000);
});

after(async () => {
  await browser?.close();
  await srv?.server.close();
});

/** Ink on the traces canvas: the fraction of pixels that are not white. */
async function ink(): Promise<{ dark: number; hash: number }> {
  // Browser-side code as a string: the test compiles without the DOM library.
  return page.evaluate(`(() => {
    const c = document.getElementById('traces');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    let hash = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] < 128 && d[i + 1] < 128 && d[i + 2] < 160) dark++;
      hash = (hash * 31 + d[i] + d[i + 1] * 7 + d[i + 2] * 13) | 0;
    }
    return { dark: dark / (d.length / 4), hash };
  })()`) as Promise<{ dark: number; hash: number }>;
}

/** Waits until a browser-side expression is truthy (`S` is window.celm.state). */
const until = (expr: string, arg?: unknown) =>
  page.waitForFunction(
    `(() => { const S = window.celm.state; const arg = ${JSON.stringify(arg ?? null)}; return ${expr}; })()`,
  );
const text = (id: string) => `(document.getElementById('${id}').textContent || '')`;

const state = <T>(expr: string): Promise<T> => page.evaluate(`window.celm.state.${expr}`) as Promise<T>;

test('review app: upload, traces, montage, paging, draft with progress, edit, sign, export', {
  skip,
  timeout: 90000,
}, async () => {
  await page.goto(`${srv.base}/`);
  // No token yet: the app asks for one.
  await page.waitForSelector('#tokenDialog[open]');
  await page.fill('#tokenInput', srv.token);
  await page.click('#tokenSave');

  // Upload the demo recording through the file input.
  await page.setInputFiles('#upload', DEMO);
  await until(`${text('uploadStatus')}.startsWith('uploaded')`);
  await until('S.page');
  await until(`/0:20:00/.test(${text('position')})`);
  const first = await ink();
  assert.ok(first.dark > 0.01, `traces drawn: ${(first.dark * 100).toFixed(2)}% dark pixels`);
  assert.equal(await state<number>('page.labels.length'), 18, 'double banana by default');
  assert.ok(
    await page.evaluate('window.celm.state.page.data[0] instanceof Float32Array'),
    'pages come as binary float32',
  );
  // Trends arrive.
  await until('S.trends');
  await page.screenshot({ path: join(OUT, 'viewer-double-banana.png') });

  // Montage switch redraws with the transverse chains.
  await page.selectOption('#montage', 'transverse');
  await until("S.page.montage === 'transverse'");
  assert.equal(await state<number>('page.labels.length'), 20);
  const transverse = await ink();
  assert.notEqual(transverse.hash, first.hash);
  assert.ok(transverse.dark > 0.01);

  // Keyboard paging and timebase.
  await page.focus('#traces');
  await page.keyboard.press('ArrowRight');
  await until('S.page.start === 15');
  await page.keyboard.press('PageDown');
  await until('S.page.start === 30');
  await page.keyboard.press('PageUp');
  await until('S.page.start === 15');
  await page.selectOption('#timebase', '10');
  await until('S.page.duration === 10');

  // Clock time on the axis (the demo starts at its recorded time of day).
  const clock = await state<string>('recording.startClock');
  assert.match(clock, /^\d\d:\d\d:\d\d$/);
  await page.selectOption('#axis', 'clock');
  await until(`/^\\d\\d:\\d\\d:\\d\\d – /.test(${text('position')})`); // elapsed reads 0:00:15
  await page.selectOption('#axis', 'elapsed');

  // Clicking a finding jumps the traces there.
  const onset = await state<number>('annotations[5].onset');
  await page.click('#findings li:nth-child(6)');
  await until('arg >= S.page.start && arg < S.page.start + S.page.duration', onset);
  // Clicking the trend panel jumps too (middle of the recording).
  const box = (await page.locator('#trend').boundingBox())!;
  await page.mouse.click(box.x + 78 + (box.width - 78) / 2, box.y + box.height / 2);
  await until('S.page.start > 500 && S.page.start < 700');
  await page.selectOption('#montage', 'double-banana');
  await page.selectOption('#timebase', '15');

  // Draft report: progress is shown while the job runs.
  await page.evaluate(`(() => {
    const seen = (window.seenStatus = []);
    const el = document.getElementById('jobStatus');
    new MutationObserver(() => seen.push(el.textContent)).observe(el, { childList: true, characterData: true, subtree: true });
  })()`);
  await page.click('#draftButton');
  await page.waitForSelector('.section[data-section="IMPRESSION/INTERPRETATION"]');
  const seen = (await page.evaluate('window.seenStatus')) as string[];
  assert.ok(
    seen.some((s) => /^(queued|running)/.test(s)),
    `progress seen: ${seen.join(' | ')}`,
  );
  assert.ok(seen.some((s) => /^done/.test(s)));
  const sourceText = (await page.textContent('#reportSource')) ?? '';
  assert.match(sourceText, /quantitative EEG template \(no report model in use\)/);
  assert.match(sourceText, /a draft for a clinician to review/i);
  assert.match((await page.textContent('#measurements')) ?? '', /measured values .*PDR/s);
  assert.ok(await page.locator('#modelOutput').isHidden(), 'no model output for a template draft');
  // A model draft's finding probabilities: shown apart from the measured values, labelled as model output
  // (a report from the model is drawn from a stand-in here; test/serve/model.test.ts drafts a real one).
  await page.evaluate(`(() => {
    const r = window.celm.state.report;
    window.savedReport = r;
    window.celm.state.report = { ...r, measurements: { ...r.measurements, findingMeasures: { 'lateralized slowing': 'left T3, x2.9 in slow power', 'posterior rhythm asymmetry': '-' } },
      model_output: { model: { name: 'tiny', trained_on: '6 reports of bench', runtime: 'onnxruntime' },
      finding_probabilities: { focal_epileptiform: 0.91, seizure: 0.05, generalized_slowing: 0.3, lpd: 0.01, gpd: 0.02, lrda: 0.03, asymmetry: 0.6, drowsiness: 0.2, abnormal: 0.8 }, timings_s: {} } };
    window.celm.renderReport();
  })()`);
  // the measurements that bear on findings are listed with the measured values; unmeasured ones not
  const measured = (await page.textContent('#measurements')) ?? '';
  assert.match(measured, /lateralized slowing: left T3, x2\.9 in slow power/);
  assert.doesNotMatch(measured, /posterior rhythm asymmetry/);
  const mo = (await page.textContent('#modelOutput')) ?? '';
  assert.match(mo, /Model output: finding probabilities/);
  assert.match(mo, /not measurements/);
  assert.match(mo, /^Model output.*focal epileptiform0\.91/s);
  assert.equal(await page.locator('#modelOutput details').count(), 1, 'labels beyond the first 8 folded');
  assert.equal(await page.evaluate(`document.querySelector('#modelOutput span[data-p]').style.width`), '91%');
  await page.locator('#modelOutput').screenshot({ path: join(OUT, 'model-output.png') });
  await page.evaluate('window.celm.state.report = window.savedReport; window.celm.renderReport()');
  assert.ok(await page.locator('#modelOutput').isHidden());
  assert.ok((await page.locator('.section mark.measured').count()) >= 1, 'measured values marked');
  // The first page shows the demo's left temporal sharp waves (F7-T3, T3-T5 at 0:00:11).
  await page.focus('#traces');
  await page.keyboard.press('Home');
  await until('S.page.start === 0');
  await page.screenshot({ path: join(OUT, 'review-app.png') });
  // A measured value jumps to its evidence: the PDR to the first eyes-closed stretch.
  const closed = (await state<{ onset: number; text: string }[]>('annotations')).find(
    (a) => a.text === 'Eyes closed',
  )!;
  await page.click('mark[data-evidence="pdr"]');
  await until('arg >= S.page.start && arg < S.page.start + S.page.duration', closed.onset);

  // Edit a section.
  const sec = page.locator('.section[data-section="BACKGROUND ACTIVITY"]');
  await sec.locator('button.edit').click();
  await sec
    .locator('textarea')
    .fill(
      'Well-organised background with a 10 Hz posterior dominant rhythm. Intermittent left temporal slowing.',
    );
  await sec.locator('button.save').click();
  await until(
    `/Intermittent left temporal slowing/.test(document.querySelector('.section[data-section="BACKGROUND ACTIVITY"] .text')?.textContent ?? '')`,
  );
  assert.match((await sec.locator('.meta').textContent()) ?? '', /v2 · dr-test/);

  // Sign.
  await page.fill('#signName', 'Dr. E2E');
  await page.click('#signButton');
  await until(`/Signed by Dr\\. E2E/.test(${text('signedInfo')})`);
  assert.match(
    (await page.textContent('#signedInfo')) ?? '',
    /Signed by Dr\. E2E \(API token "dr-test"\) at /,
  );
  assert.equal(await page.locator('.section button.edit').count(), 0, 'signed: no more edits');

  // Exports.
  const [pdf] = await Promise.all([
    page.waitForEvent('download'),
    page.click('#exports button[data-format="pdf"]'),
  ]);
  const pdfPath = join(OUT, 'report.pdf');
  await pdf.saveAs(pdfPath);
  assert.equal(readFileSync(pdfPath).subarray(0, 5).toString(), '%PDF-');
  await page.check('#deid');
  const [fhir] = await Promise.all([
    page.waitForEvent('download'),
    page.click('#exports button[data-format="fhir"]'),
  ]);
  const fhirPath = join(OUT, 'report.fhir.json');
  await fhir.saveAs(fhirPath);
  const res = JSON.parse(readFileSync(fhirPath, 'utf8'));
  assert.equal(res.resourceType, 'DiagnosticReport');
  assert.equal(res.status, 'final');
  assert.match(
    Buffer.from(res.presentedForm[0].data, 'base64').toString(),
    /Intermittent left temporal slowing/,
  );
  await page.screenshot({ path: join(OUT, 'signed.png') });
});

test('the app runs under its own Content-Security-Policy (no eval, no inline script)', {
  skip,
  timeout: 30000,
}, async () => {
  const ctx = await browser.newContext({ viewport: { width: 1200, height: 800 } });
  const p = await ctx.newPage();
  const problems: string[] = [];
  p.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  p.on('pageerror', (e) => problems.push(e.message));
  await p.goto(`${srv.base}/`);
  await p.fill('#tokenInput', srv.token);
  await p.click('#tokenSave');
  // Locators poll without evaluating strings in the page.
  await p.locator('#position', { hasText: '0:20:00' }).waitFor();
  await p.locator('.section[data-section="SLEEP"]').waitFor();
  assert.deepEqual(problems, []);
  await ctx.close();
});
