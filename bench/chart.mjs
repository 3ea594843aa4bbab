// Draws bench/results.json (written by bench/run.mjs) as a horizontal bar chart, bench/results.svg.
//
//   node bench/chart.mjs                         # bench/results.json -> bench/results.svg
//   node bench/chart.mjs some.json [out.svg]     # out defaults to the input with .svg
//
// Top panel: speed and memory as the median of per-run ratios to the baseline (lower is
// better), one bar per subject, a dashed line at 1×, bars past 6× cut with a break mark (the
// value is still printed). Bottom panel: accuracy p99 lateness in ms, absolute (not a ratio).
// No dependencies; the SVG has its own white background so it reads on light and dark pages.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

const RATIO_ROWS = [
  { scenario: 'nowait-one-key', metric: 'ns/op', title: 'nowait-one-key', sub: 'ns/op, one key, mostly granted', unit: 'ns' },
  { scenario: 'nowait-one-key-limited', metric: 'ns/op', title: 'nowait-one-key-limited', sub: 'ns/op, one key, all denied', unit: 'ns' },
  { scenario: 'nowait-100k-keys', metric: 'ns/op', title: 'nowait-100k-keys', sub: 'ns/op over 100k keys', unit: 'ns' },
  { scenario: 'heap-per-key', metric: 'bytes/key', title: 'heap-per-key', sub: 'bytes/key, 1M keys held', unit: 'B' },
  { scenario: 'acquire-no-wait', metric: 'ns/await', title: 'acquire-no-wait', sub: 'ns/await, tokens available', unit: 'ns' },
];
// lazy-limiter's other algorithms against the baseline's token bucket (the peers have no such cells).
const ALGORITHM_ROWS = [
  { scenario: 'nowait-fixed-window', metric: 'ns/op', title: 'FixedWindow', sub: 'ns/op, one key, granting', unit: 'ns' },
  { scenario: 'nowait-sliding-log', metric: 'ns/op', title: 'SlidingWindowLog', sub: 'ns/op, 2 windows, granting', unit: 'ns' },
  { scenario: 'nowait-sliding-log-limited', metric: 'ns/op', title: 'SlidingWindowLog', sub: 'ns/op, 2 windows, refusing', unit: 'ns' },
  { scenario: 'nowait-all-of-one-key', metric: 'ns/op', title: 'allOf(global, perKey)', sub: 'ns/op, keyed, one key', unit: 'ns' },
  { scenario: 'nowait-all-of-100k-keys', metric: 'ns/op', title: 'allOf(global, perKey)', sub: 'ns/op over 100k keys', unit: 'ns' },
];
const ACCURACY_ROW = { scenario: 'accuracy', metric: 'p99 lateness', title: 'accuracy', sub: 'p99 lateness vs ideal, ms', unit: 'ms' };

const COLORS = {
  baseline: '#8c96a3',
  'lazy-limiter': '#0072b2',
  limiter: '#e69f00',
  'rate-limiter-flexible': '#009e73',
};
const EXTRA_COLORS = ['#cc79a7', '#d55e00', '#56b4e9', '#f0e442'];
const CLIP = 6; // ratio axis never goes past this; longer bars are cut

// ---------------------------------------------------------------- layout
const W = 880;
const PAD = 24; // outer padding inside the white card
const LABEL_W = 190; // row titles
const PLOT_X = PAD + LABEL_W;
const VALUE_W = 150; // room right of the plot for the printed value of a full/cut bar
const PLOT_W = W - PLOT_X - PAD - VALUE_W;
const BAR_H = 14;
const BAR_GAP = 4;
const GROUP_GAP = 18;
const FONT = `-apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif`;
const INK = '#1f2328';
const MUTED = '#59636e';
const GRID = '#e6e9ed';

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const r1 = (x) => Math.round(x * 10) / 10;
const num = (x) => {
  const a = Math.abs(x);
  return a >= 1000 ? x.toFixed(0) : a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
};
const ratioText = (x) => `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;

function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

const findRow = (summary, scenario, metric) =>
  summary.find((r) => r.scenario === scenario && r.metric.startsWith(metric));

// One entry per subject: { subject, bar (axis units) | undefined, text, missing }.
function ratioEntries(row, subjects) {
  return subjects.map((su) => {
    const v = row?.values?.[su];
    if (!v || v.na || v.error || !Number.isFinite(v.value)) {
      return { subject: su, missing: true, text: v?.na ? 'n/a' : v?.error ? 'error' : 'not run' };
    }
    const abs = `${num(v.value)} ${row.unit}`;
    if (su === 'baseline') return { subject: su, bar: 1, text: `1× · ${abs}` };
    if (!Number.isFinite(v.ratio)) return { subject: su, missing: true, text: `no ratio · ${abs}` };
    return { subject: su, bar: v.ratio, text: `${ratioText(v.ratio)} · ${abs}` };
  });
}

function absEntries(row, subjects) {
  return subjects.map((su) => {
    const v = row?.values?.[su];
    if (!v || v.na || v.error || !Number.isFinite(v.value)) {
      return { subject: su, missing: true, text: v?.na ? 'n/a' : v?.error ? 'error' : 'not run' };
    }
    return { subject: su, bar: v.value, text: `${num(v.value)} ms` };
  });
}

// Draws one panel (a set of groups sharing one x axis) starting at y; returns [svg, newY].
function panel({ y, heading, note, groups, axisMax, clipAt, tickStep, tickFmt, refLine, colorOf }) {
  const out = [];
  const sx = (x) => PLOT_X + (Math.min(x, clipAt) / axisMax) * PLOT_W;
  out.push(`<text x="${PAD}" y="${y + 14}" font-size="14" font-weight="600" fill="${INK}">${esc(heading)}</text>`);
  if (note) out.push(`<text x="${PAD}" y="${y + 32}" font-size="12" fill="${MUTED}">${esc(note)}</text>`);
  y += 62;
  const top = y;
  const groupH = (n) => n * BAR_H + (n - 1) * BAR_GAP;
  const body = [];
  for (const g of groups) {
    const h = groupH(g.entries.length);
    body.push(`<text x="${PAD}" y="${y + h / 2 - 3}" font-size="13" font-weight="600" fill="${INK}">${esc(g.title)}</text>`);
    body.push(`<text x="${PAD}" y="${y + h / 2 + 13}" font-size="11.5" fill="${MUTED}">${esc(g.sub)}</text>`);
    g.entries.forEach((e, i) => {
      const by = y + i * (BAR_H + BAR_GAP);
      const ty = by + BAR_H / 2 + 4;
      if (e.missing) {
        body.push(`<text x="${PLOT_X + 4}" y="${ty}" font-size="11.5" font-style="italic" fill="${MUTED}">${esc(e.subject)}: ${esc(e.text)}</text>`);
        return;
      }
      const clipped = e.bar > clipAt;
      const x1 = sx(e.bar);
      const w = Math.max(1.5, x1 - PLOT_X);
      const color = colorOf(e.subject);
      body.push(`<rect x="${PLOT_X}" y="${by}" width="${r1(w)}" height="${BAR_H}" rx="2" fill="${color}"><title>${esc(`${e.subject}: ${e.text}`)}</title></rect>`);
      let tx = x1 + 6;
      if (clipped) {
        // break mark: two white slashes across the end of the bar, then a small arrowhead
        const bx = x1 - 14;
        body.push(
          `<path d="M${r1(bx)} ${by + BAR_H + 1} l5 ${-(BAR_H + 2)} M${r1(bx + 5)} ${by + BAR_H + 1} l5 ${-(BAR_H + 2)}" stroke="#fff" stroke-width="2"/>`,
          `<path d="M${r1(x1)} ${by} l6 ${BAR_H / 2} l-6 ${BAR_H / 2} z" fill="${color}"/>`,
        );
        tx = x1 + 11;
      }
      body.push(`<text x="${r1(tx)}" y="${ty}" font-size="11.5" fill="${INK}" stroke="#fff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"${clipped ? ' font-weight="600"' : ''}>${esc(e.text)}</text>`);
    });
    y += h + GROUP_GAP;
  }
  const bottom = y - GROUP_GAP + 6;
  // grid, ticks, reference line: drawn under the bars
  const grid = [];
  for (let t = 0; t <= axisMax + 1e-9; t += tickStep) {
    const x = r1(sx(t));
    grid.push(`<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${bottom}" stroke="${GRID}" stroke-width="1"/>`);
    grid.push(`<text x="${x}" y="${top - 10}" font-size="11" fill="${MUTED}" text-anchor="middle">${esc(tickFmt(t))}</text>`);
  }
  if (refLine !== undefined) {
    const x = r1(sx(refLine));
    grid.push(`<line x1="${x}" y1="${top - 6}" x2="${x}" y2="${bottom}" stroke="${INK}" stroke-width="1.2" stroke-dasharray="4 3" opacity="0.7"/>`);
  }
  return [[...out, ...grid, ...body].join('\n  '), bottom];
}

export function renderChart(results) {
  const { machine = {}, config = {}, summary = [] } = results;
  const subjects = config.subjects ?? Object.keys(summary[0]?.values ?? {});
  let extra = 0;
  const colors = { ...COLORS };
  for (const su of subjects) colors[su] ??= EXTRA_COLORS[extra++ % EXTRA_COLORS.length];
  const colorOf = (su) => colors[su];

  const ratioGroups = [];
  for (const spec of RATIO_ROWS) {
    const row = findRow(summary, spec.scenario, spec.metric);
    if (!row) continue;
    ratioGroups.push({ ...spec, entries: ratioEntries({ ...row, unit: spec.unit }, subjects) });
  }
  const algorithmGroups = [];
  for (const spec of ALGORITHM_ROWS) {
    const row = findRow(summary, spec.scenario, spec.metric);
    if (!row) continue;
    const entries = ratioEntries({ ...row, unit: spec.unit }, subjects).filter((e) => !(e.missing && e.text === 'n/a'));
    if (entries.length) algorithmGroups.push({ ...spec, entries });
  }
  const accRow = findRow(summary, ACCURACY_ROW.scenario, ACCURACY_ROW.metric);

  const parts = [];
  let y = PAD;
  // title block
  const date = machine.date ? String(machine.date).slice(0, 10) : 'undated';
  const runs = config.repeat ? `${config.repeat} run${config.repeat > 1 ? 's' : ''} per cell${config.quick ? ' (--quick)' : ''}` : '';
  const machineLine = [machine.cpu, machine.cores && `${machine.cores} cores`, machine.node && `node ${machine.node}`, date, runs, machine.commit && `commit ${machine.commit}`]
    .filter(Boolean)
    .join(' · ');
  parts.push(`<text x="${PAD}" y="${y + 18}" font-size="19" font-weight="700" fill="${INK}">lazy-limiter benchmark</text>`);
  parts.push(`<text x="${PAD}" y="${y + 40}" font-size="12.5" fill="${MUTED}">${esc(machineLine)}</text>`);
  y += 56;
  // legend
  let lx = PAD;
  for (const su of subjects) {
    parts.push(`<rect x="${lx}" y="${y}" width="12" height="12" rx="2" fill="${colorOf(su)}"/>`);
    parts.push(`<text x="${lx + 17}" y="${y + 10.5}" font-size="12.5" fill="${INK}">${esc(su)}</text>`);
    lx += 17 + [...su].reduce((w, c) => w + ('ijlrtf-. '.includes(c) ? 4.2 : 7.6), 0) + 24; // rough text width
  }
  y += 30;

  // A panel of bars as ratios to the baseline, its axis cut at CLIP.
  const ratioPanel = (groups, heading, measured) => {
    if (!groups.length) return;
    const maxRatio = Math.max(1, ...groups.flatMap((g) => g.entries.filter((e) => !e.missing).map((e) => e.bar)));
    const axisMax = Math.min(CLIP, Math.max(2, Math.ceil(maxRatio)));
    const [svg, ny] = panel({
      y,
      heading,
      note: `${measured} ÷ baseline, median of per-run ratios · lower is better${maxRatio > axisMax ? ` · bars cut at ${axisMax}×` : ''}`,
      groups,
      axisMax,
      clipAt: axisMax,
      tickStep: 1,
      tickFmt: (t) => `${t}×`,
      refLine: 1,
      colorOf,
    });
    parts.push(svg);
    y = ny + 22;
  };
  ratioPanel(ratioGroups, 'Speed and memory vs baseline', 'time or bytes');
  ratioPanel(algorithmGroups, "lazy-limiter's other algorithms vs the baseline token bucket", 'acquireNowait time');

  if (accRow) {
    const entries = absEntries(accRow, subjects);
    const vals = entries.filter((e) => !e.missing).map((e) => e.bar).sort((a, b) => a - b);
    if (vals.length) {
      // Cut the axis at 4× the median so one slow subject does not flatten the others.
      const mid = vals.length % 2 ? vals[vals.length >> 1] : (vals[vals.length / 2 - 1] + vals[vals.length / 2]) / 2;
      const raw = Math.min(vals[vals.length - 1], 4 * mid) || 1;
      const step = niceStep(raw / 4);
      const axisMax = Math.ceil(raw / step - 1e-9) * step;
      const [svg, ny] = panel({
        y,
        heading: 'Wait accuracy',
        note: `absolute, not a ratio · how late the 99th-percentile waiter is granted · lower is better${vals[vals.length - 1] > axisMax ? ` · bars cut at ${axisMax} ms` : ''}`,
        groups: [{ ...ACCURACY_ROW, entries }],
        axisMax,
        clipAt: axisMax,
        tickStep: step,
        tickFmt: (t) => `${+t.toFixed(3)} ms`,
        colorOf,
      });
      parts.push(svg);
      y = ny + 22;
    }
  }

  parts.push(`<text x="${PAD}" y="${y + 4}" font-size="11" fill="${MUTED}">After each bar: median of the per-run ratios to the baseline run side by side · median absolute value over runs. Table and notes: bench/results.json.</text>`);
  y += 4 + PAD - 6;
  const H = Math.ceil(y);

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${esc(FONT)}" role="img" aria-label="lazy-limiter benchmark chart">
  <rect x="0.5" y="0.5" width="${W - 1}" height="${H - 1}" rx="12" fill="#ffffff" stroke="#d0d7de"/>
  ${parts.join('\n  ')}
</svg>
`;
}

export function writeChart(inPath = join(here, 'results.json'), outPath = inPath.replace(/\.json$/i, '') + '.svg') {
  const results = JSON.parse(readFileSync(inPath, 'utf8'));
  writeFileSync(outPath, renderChart(results));
  return outPath;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const [inArg, outArg] = process.argv.slice(2);
  const out = writeChart(inArg ? resolve(inArg) : undefined, outArg ? resolve(outArg) : undefined);
  process.stderr.write(`wrote ${out}\n`);
}
