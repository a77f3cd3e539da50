/** The standalone SVG charts: grouped bars (sizes, whiskers, gaps, clipping, refusals) and the line chart after sharing svg_common. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { barChartSvg, BarChartOptions } from '../lnn_ros/io/bar_chart';
import { lineChartSvg } from '../lnn_ros/io/line_chart';

interface Bar { x: number; y: number; width: number; height: number; title: string }

/** Bars are the rects carrying a tooltip; the background and the plot frame have none. */
function bars(svg: string): Bar[] {
  return [...svg.matchAll(/<rect ([^>]*)><title>([^<]*)<\/title><\/rect>/g)].map(([, attrs, title]) => {
    const num = (name: string) => Number(new RegExp(`\\b${name}="([^"]*)"`).exec(attrs)![1]);
    return { x: num('x'), y: num('y'), width: num('width'), height: num('height'), title };
  });
}

const count = (svg: string, re: RegExp) => (svg.match(re) ?? []).length;

function assertWellFormed(svg: string): void {
  const r = spawnSync('python3', ['-c', 'import sys,xml.dom.minidom;xml.dom.minidom.parseString(sys.stdin.buffer.read())'], { input: svg });
  assert.equal(r.status, 0, `not well-formed XML:\n${r.stderr}`);
}

const conditions = ['clear', 'rain', 'night'];

const chart = (over: Partial<BarChartOptions> = {}): BarChartOptions => ({
  title: 'lap error',
  yLabel: 'm',
  groups: conditions,
  series: [
    { name: 'CfC', values: [1, 2, 0.5], low: [0.5, NaN, NaN], high: [1.5, NaN, 0.8] },
    { name: 'LTC', values: [NaN, 4, 0] },
  ],
  ...over,
});

describe('bar chart', () => {
  it('draws one bar per finite value, standing on the zero line', () => {
    const svg = barChartSvg(chart());
    const b = bars(svg);
    assert.equal(b.length, 5);
    assert.equal(count(svg, /<rect /g), b.length + 2, 'no rects besides bars, background and frame');
    const base = b[0].y + b[0].height;
    for (const bar of b) assert.ok(Math.abs(bar.y + bar.height - base) < 0.15, `${bar.title} ends at ${bar.y + bar.height}, not ${base}`);
    assert.match(svg, />0<\/text>/, 'y axis labelled from 0');
  });

  it('makes a bar twice the value twice as tall, in series order within each group', () => {
    const b = bars(barChartSvg(chart()));
    const [cfcClear, cfcRain, , ltcRain] = b;
    assert.match(cfcClear.title, /^CfC, clear: 1$/);
    assert.match(ltcRain.title, /^LTC, rain: 4$/);
    assert.ok(Math.abs(cfcRain.height / cfcClear.height - 2) < 0.01, `${cfcRain.height} vs ${cfcClear.height}`);
    assert.ok(Math.abs(ltcRain.height / cfcRain.height - 2) < 0.01, `${ltcRain.height} vs ${cfcRain.height}`);
    assert.ok(cfcRain.x < ltcRain.x && ltcRain.x < cfcRain.x + 2 * cfcRain.width, 'LTC right next to CfC in its group');
    assert.ok(cfcClear.x < cfcRain.x, 'groups left to right');
    assert.ok(b[1].height > 0 && b[4].height === 0, 'a zero value is a bar of no height');
  });

  it('draws whiskers only where low or high is finite, with caps on the given ends', () => {
    const svg = barChartSvg(chart());
    const whiskers = [...svg.matchAll(/<path d="([^"]*)"/g)].map(([, d]) => d);
    assert.equal(whiskers.length, 2, 'clear (low and high) and night (high only); not rain, not LTC');
    assert.equal(count(whiskers[0], /h/g), 2);
    assert.equal(count(whiskers[1], /h/g), 1);
    const cfcClear = bars(svg)[0];
    assert.ok(Math.abs(Number(/^M([\d.]+) /.exec(whiskers[0])![1]) - (cfcClear.x + cfcClear.width / 2)) < 0.15, 'whisker on its bar');
    assert.equal(count(barChartSvg(chart({ series: [{ name: 'a', values: [1, 2, 3] }] })), /<path /g), 0);
  });

  it('takes the default top of the y axis from the largest value or whisker', () => {
    const svg = barChartSvg(chart({ series: [{ name: 'a', values: [1, 2, 3], high: [NaN, 10, NaN] }] }));
    assert.match(svg, />10<\/text>/);
    assert.ok(!/▲/.test(svg));
  });

  it('leaves a NaN value without a bar but with an n/a label', () => {
    const svg = barChartSvg(chart());
    assert.equal(count(svg, />n\/a<\/text>/g), 1);
    assert.ok(!bars(svg).some((b) => b.title.startsWith('LTC, clear')));
  });

  it('escapes every text', () => {
    const svg = barChartSvg({
      title: 'T <&>',
      yLabel: 'Y <&>',
      groups: ['G <&>', 'plain'],
      series: [{ name: 'S <&>', values: [1, 2] }],
    });
    assert.ok(!svg.includes('<&>'));
    assert.equal(count(svg, /&lt;&amp;&gt;/g), 7, 'title, y label, group label, legend, and the series and group in the tooltips');
    assertWellFormed(svg);
  });

  it('refuses arrays whose length is not the number of groups, naming the series', () => {
    for (const bad of [{ values: [1, 2] }, { values: [1, 2, 3], low: [1] }, { values: [1, 2, 3], high: [1, 2, 3, 4] }]) {
      assert.throws(() => barChartSvg(chart({ series: [{ name: 'ok', values: [1, 2, 3] }, { name: 'PPO', ...bad }] })), /series "PPO"/);
    }
  });

  it('refuses negative values, naming the series and the group', () => {
    assert.throws(() => barChartSvg(chart({ series: [{ name: 'PPO', values: [1, -0.5, 2] }] })), /"PPO".*"rain"/);
    assert.throws(() => barChartSvg(chart({ series: [{ name: 'PPO', values: [1, 1, 2], low: [0, 0, -1] }] })), /"PPO".*"night".*low/);
    assert.throws(() => barChartSvg(chart({ yMax: 0 })), /yMax/);
  });

  it('clips a value above yMax to the top of the plot and marks it with its value', () => {
    const svg = barChartSvg(chart({ yMax: 2 }));
    const b = bars(svg);
    const top = Number(/<rect x="[^"]*" y="([^"]*)"[^>]*fill="none"/.exec(svg)![1]);
    const clipped = b.find((x) => x.title === 'LTC, rain: 4')!;
    const atMax = b.find((x) => x.title === 'CfC, rain: 2')!;
    assert.equal(clipped.y, top);
    assert.equal(clipped.height, atMax.height, 'as tall as a bar at yMax ...');
    assert.equal(count(svg, /▲/g), 1, '... but the only one marked');
    assert.match(svg, />▲<\/text>/);
    assert.match(svg, /rotate\(90\)" font-size="9" fill="white">4<\/text>/, 'the clipped value is written on the bar');
    assertWellFormed(svg);
    const [whisker] = [...barChartSvg(chart({ yMax: 1.2 })).matchAll(/<path d="([^"]*)"/g)].map(([, d]) => d);
    assert.equal(count(whisker, /h/g), 1, 'no cap where the whisker runs off the top');
  });

  it('is well-formed XML', () => {
    assertWellFormed(barChartSvg(chart()));
    assertWellFormed(barChartSvg({ title: 'empty', yLabel: '', groups: [], series: [] }));
  });
});

describe('line chart', () => {
  it('still draws one polyline and legend entry per series, escaped and well-formed', () => {
    const svg = lineChartSvg({
      title: 'learning <curves>',
      xLabel: 'epoch',
      yLabel: 'loss',
      logY: true,
      series: [
        { name: 'train & val', points: [[0, 1], [1, 0.5], [2, 0.1]] },
        { name: 'lstm', points: [[0, 2], [1, 0], [2, 0.3]], color: '#123456' },
      ],
    });
    assert.equal(count(svg, /<polyline /g), 2);
    assert.match(svg, /stroke="#1f77b4"/, 'palette colour for the first series');
    assert.match(svg, /stroke="#123456"/);
    assert.match(svg, />train &amp; val<\/text>/);
    assert.match(svg, />learning &lt;curves&gt;</);
    assert.match(svg, /loss \(log\)/);
    assert.equal(count(/points="([^"]*)"[^>]*><title>lstm/.exec(svg)![1], /,/g), 2, 'log scale drops the zero');
    assertWellFormed(svg);
  });
});
