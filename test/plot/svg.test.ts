/** The dependency-free SVG plots: well-formed output, labels, scale bar, markers, log axes, legends. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eegPageSvg, linePlotSvg, svgToPng } from '../../src/plot/svg.js';

const sine = (n: number, f: number, fs: number, a: number) =>
  Float32Array.from({ length: n }, (_, k) => a * Math.sin((2 * Math.PI * f * k) / fs));

test('EEG page: one polyline per trace, labels, seconds axis, scale bar, escaped markers', () => {
  const svg = eegPageSvg({
    traces: [
      { label: 'Fp1-F7', data: sine(2000, 10, 200, 30) },
      { label: 'F7-T3', data: sine(2000, 3, 200, 80) },
    ],
    sampleRate: 200,
    start: 100,
    title: 'A & B',
    markers: [{ time: 103.5, text: 'Eyes <closed>' }],
    scaleUv: 50,
    uvPerChannel: 50,
  });
  assert.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal(svg.match(/<polyline/g)?.length, 2);
  assert.match(svg, />Fp1-F7</);
  assert.match(svg, />A &amp; B</);
  assert.match(svg, />Eyes &lt;closed&gt;</);
  assert.match(svg, />50 µV</);
  for (const s of [100, 105, 110]) assert.match(svg, new RegExp(`>${s}</text>`));
  assert.ok(!/NaN|Infinity/.test(svg));
});

test('line plot: log axis ticks, legend entries, vertical reference line; non-positive values skipped on log axes', () => {
  const x = Float64Array.from({ length: 100 }, (_, i) => i * 0.5);
  const y = Float64Array.from(x, (f) => (f === 0 ? 0 : 10 / f));
  const svg = linePlotSvg({
    series: [
      { label: 'O1 eyes closed', x, y },
      { label: 'O1 eyes open', x, y: Float64Array.from(y, (v) => v / 2), dashed: true },
    ],
    logY: true,
    xLabel: 'frequency (Hz)',
    yLabel: 'PSD',
    vlines: [{ x: 10, text: 'PDR' }],
  });
  assert.equal(svg.match(/<polyline/g)?.length, 2);
  assert.match(svg, />O1 eyes closed</);
  assert.match(svg, /stroke-dasharray="6 4"/);
  assert.match(svg, />PDR</);
  assert.match(svg, />1<\/text>/);
  assert.ok(!/NaN|Infinity/.test(svg));
});

test('PNG rendering through @resvg/resvg-js, when installed', async (t) => {
  const png = await svgToPng(linePlotSvg({ series: [{ label: 'a', x: [0, 1, 2], y: [1, 3, 2] }] }));
  if (!png) return t.skip('@resvg/resvg-js not installed');
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
});
