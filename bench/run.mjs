// Benchmark driver for lazy-limiter against a hand-written baseline and its peers.
//
//   npm run bench                      # build, then every cell 5 times (~4.5 min on 2 cores)
//   node bench/run.mjs --quick         # shorter cells, fewer keys/callers, 3 repeats (~1 min)
//   node bench/run.mjs --repeat 9      # more repeats
//   node bench/run.mjs --only nowait-one-key,accuracy --subjects baseline,lazy-limiter
//   node bench/run.mjs --schedule      # also the same-schedule comparison (+~4 min)
//   node bench/run.mjs --only schedule --schedule-repeat 5 --shapes burst
//
// The nowait-fixed-window, nowait-sliding-log…, nowait-all-of… cells time lazy-limiter's
// other algorithms against the baseline's token bucket; the peers have no such cells (n/a).
//
// The same-schedule comparison (bench/schedule.mjs; not in the default set, as it runs on real
// time: ~3.5 s per cell) gives lazy-limiter, p-queue, bottleneck and p-throttle one limit, 20
// calls per 200 ms, and the same calls — 300 at once (`burst`), or in clusters from a seeded
// random schedule (`spread`) — and measures the most grants in any 200 ms, the delay against
// the ideal schedule, FIFO order, timers and CPU time. Each (subject, shape) runs in a fresh
// process, one at a time (no other cell competes for the CPU), --schedule-repeat times
// (default 3; 1 with --quick, which also cuts the calls to 100). --schedule-subjects picks
// subjects by name (comma-separated).
//
// Every cell (subject x scenario) runs in a fresh `node bench/cell.mjs subject scenario`
// process, one after the other, with the subject order rotated each time so no subject is
// always first or last. The accuracy cells mostly sleep on timers, so the subjects of one
// repeat run them side by side, in parallel. The table shows the median over repeats and,
// for speed and memory, the median of each repeat's ratio to the baseline cell of the same
// repeat (so slow drift on a noisy machine cancels out). Ratio < 1: faster/smaller than the
// baseline. Prints a markdown table on stdout (progress on stderr) and writes
// bench/results.json with the machine, the raw cells and the summary. lazy-limiter is loaded
// from a copy of dist/ taken at the start (bench/.dist-snapshot/, removed at the end), so a
// rebuild while the run goes on cannot mix two builds.

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

// ---------------------------------------------------------------- arguments
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const opt = (name) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const QUICK = flag('--quick');
const REPEAT = Number(opt('--repeat') ?? (QUICK ? 3 : 5));
if (!Number.isInteger(REPEAT) || REPEAT < 1) throw new RangeError(`--repeat must be a positive integer, got ${opt('--repeat')}`);

const ALL_SUBJECTS = ['baseline', 'lazy-limiter', 'limiter', 'rate-limiter-flexible'];
const ALL_SCENARIOS = [
  'nowait-one-key',
  'nowait-one-key-limited',
  'nowait-100k-keys',
  'heap-per-key',
  'acquire-no-wait',
  'accuracy',
  'nowait-fixed-window',
  'nowait-sliding-log',
  'nowait-sliding-log-limited',
  'nowait-all-of-one-key',
  'nowait-all-of-100k-keys',
  'schedule',
];
// Cells of lazy-limiter's other algorithms: only subjects with `algorithms` (subjects.mjs) run them.
const ALGORITHM_SCENARIOS = new Set([
  'nowait-fixed-window',
  'nowait-sliding-log',
  'nowait-sliding-log-limited',
  'nowait-all-of-one-key',
  'nowait-all-of-100k-keys',
]);
const WITH_ALGORITHMS = new Set(['baseline', 'lazy-limiter']);
const pick = (value, all, what) => {
  if (!value) return all;
  const list = value.split(',');
  for (const x of list) if (!all.includes(x)) throw new RangeError(`unknown ${what} "${x}"; known: ${all.join(', ')}`);
  return list;
};
const SUBJECTS = pick(opt('--subjects'), ALL_SUBJECTS, 'subject');
const CHOSEN = opt('--only')
  ? pick(opt('--only'), ALL_SCENARIOS, 'scenario')
  : ALL_SCENARIOS.filter((sc) => sc !== 'schedule' || flag('--schedule'));
const SCENARIOS = CHOSEN.filter((sc) => sc !== 'schedule');
const SCHEDULE = CHOSEN.includes('schedule');
const OUT = opt('--out') ?? join(here, 'results.json');

const { SCHEDULE_SUBJECTS, SCHEDULE_SHAPES, LIMIT, INTERVAL, TASK_MS, callsFor } = await import('./schedule.mjs');
const SCHEDULE_REPEAT = Number(opt('--schedule-repeat') ?? (QUICK ? 1 : 3));
if (!Number.isInteger(SCHEDULE_REPEAT) || SCHEDULE_REPEAT < 1) {
  throw new RangeError(`--schedule-repeat must be a positive integer, got ${opt('--schedule-repeat')}`);
}
const SCHED_SUBJECTS = pick(opt('--schedule-subjects'), SCHEDULE_SUBJECTS, 'schedule subject');
const SHAPES = pick(opt('--shapes'), SCHEDULE_SHAPES, 'shape');

// ---------------------------------------------------------------- running cells
function runCell(subject, scenario) {
  if (ALGORITHM_SCENARIOS.has(scenario) && !WITH_ALGORITHMS.has(subject)) {
    return Promise.resolve({ subject, scenario, na: 'no such algorithm' });
  }
  const nodeArgs = scenario === 'heap-per-key' || scenario === 'accuracy' ? ['--expose-gc'] : [];
  return spawnCell(subject, scenario, [...nodeArgs, join(here, 'cell.mjs'), subject, scenario, ...(QUICK ? ['--quick'] : [])]);
}

function runScheduleCell(subject, shape) {
  return spawnCell(subject, shape, ['--expose-gc', join(here, 'schedule.mjs'), subject, shape, ...(QUICK ? ['--quick'] : [])]);
}

function spawnCell(subject, scenario, args) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop();
      try {
        if (code !== 0) throw new Error(`exit ${code ?? signal}`);
        resolve(JSON.parse(line));
      } catch (e) {
        resolve({ subject, scenario, error: `${e.message}: ${stderr.trim().split('\n').slice(-3).join(' | ')}` });
      }
    });
  });
}

const fmtNum = (x, digits) => (Number.isFinite(x) ? x.toFixed(digits) : String(x));
const headline = (r) => {
  if (r.na) return `n/a (${r.na})`;
  if (r.error) return `error: ${r.error}`;
  if (r.bytesPerKey !== undefined) return `${fmtNum(r.bytesPerKey, 1)} B/key`;
  if (r.maxIn1s !== undefined) return `max/1s ${r.maxIn1s}, p99 late ${fmtNum(r.p99LateMs, 1)} ms, fifo ${r.fifo}`;
  return `${fmtNum(r.nsPerOp, 1)} ns/op`;
};

const cells = {}; // scenario -> subject -> [result per repeat]
for (const sc of SCENARIOS) {
  cells[sc] = {};
  for (const su of SUBJECTS) cells[sc][su] = [];
}

// Every cell imports the library from a snapshot of dist/ taken now (inside bench/, so that
// node_modules still resolves), so a rebuild during the run cannot mix two builds.
const distDir = join(here, '..', 'dist');
const snapshotDir = join(here, '.dist-snapshot');
const hashOf = (file) => {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12);
  } catch {
    return 'missing';
  }
};
rmSync(snapshotDir, { recursive: true, force: true });
if (existsSync(join(distDir, 'index.js'))) {
  cpSync(distDir, snapshotDir, { recursive: true });
  process.env.LAZY_LIMITER_DIST = join(snapshotDir, 'index.js');
}
const distAtStart = hashOf(join(snapshotDir, 'index.js'));
const git = (...args) => {
  try {
    return execFileSync('git', args, { cwd: join(here, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};
const commit = git('rev-parse', '--short', 'HEAD');
const srcDirty = git('status', '--porcelain', '--', 'src') ? ' (src/ modified)' : '';
const loadAtStart = os.loadavg();
const started = process.hrtime.bigint();
for (let rep = 0; rep < REPEAT; rep++) {
  for (const [si, sc] of SCENARIOS.entries()) {
    const k = (rep + si) % SUBJECTS.length;
    const order = [...SUBJECTS.slice(k), ...SUBJECTS.slice(0, k)];
    if (sc === 'accuracy') {
      const rs = await Promise.all(order.map((su) => runCell(su, sc)));
      for (const r of rs) {
        cells[sc][r.subject].push(r);
        process.stderr.write(`[${rep + 1}/${REPEAT}] ${sc} ${r.subject}: ${headline(r)}\n`);
      }
    } else {
      for (const su of order) {
        const r = await runCell(su, sc);
        cells[sc][su].push(r);
        process.stderr.write(`[${rep + 1}/${REPEAT}] ${sc} ${su}: ${headline(r)}\n`);
      }
    }
  }
}

// The same-schedule comparison: one cell at a time, as they measure timing on the real clock.
const schedCells = {}; // shape -> subject -> [result per repeat]
const schedHeadline = (r) => {
  if (r.na) return `n/a (${r.na})`;
  if (r.error) return `error: ${r.error}`;
  return `max/${r.intervalMs}ms ${r.maxInWindow}, last +${fmtNum(r.overIdealMs, 1)} ms vs ideal, p99 late ${fmtNum(r.p99LateMs, 1)} ms, fifo ${r.fifo}, cpu ${fmtNum(r.cpuUsPerCall, 0)} µs/call`;
};
if (SCHEDULE) {
  for (const sh of SHAPES) {
    schedCells[sh] = {};
    for (const su of SCHED_SUBJECTS) schedCells[sh][su] = [];
  }
  for (let rep = 0; rep < SCHEDULE_REPEAT; rep++) {
    for (const [hi, sh] of SHAPES.entries()) {
      const k = (rep + hi) % SCHED_SUBJECTS.length;
      for (const su of [...SCHED_SUBJECTS.slice(k), ...SCHED_SUBJECTS.slice(0, k)]) {
        const r = await runScheduleCell(su, sh);
        schedCells[sh][su].push(r);
        process.stderr.write(`[schedule ${rep + 1}/${SCHEDULE_REPEAT}] ${sh} ${su}: ${schedHeadline(r)}\n`);
      }
    }
  }
}
const totalSeconds = Number(process.hrtime.bigint() - started) / 1e9;
const distAtEnd = hashOf(join(distDir, 'index.js'));
rmSync(snapshotDir, { recursive: true, force: true });
const loadAtEnd = os.loadavg();

// ---------------------------------------------------------------- summary
const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const max = (xs) => Math.max(...xs.filter(Number.isFinite));
const fmt = (x, unit = '') => {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  const s = a >= 1000 ? x.toFixed(0) : a >= 100 ? x.toFixed(1) : a >= 10 ? x.toFixed(1) : x.toFixed(2);
  return unit ? `${s} ${unit}` : s;
};
const pct = (x) => (Number.isFinite(x) ? `${(x * 100).toPrecision(3)}%` : '–');

// kind: 'ratio' = median + median paired ratio to baseline; 'median'; 'max' (worst repeat);
// 'all' (boolean that must hold in every repeat).
// The metrics of the acquireNowait cells that time the other algorithms.
const NOWAIT_METRICS = [
  { key: 'nsPerOp', label: 'ns/op', kind: 'ratio' },
  { key: 'granted', label: 'granted', kind: 'median', pct: true },
];

const METRICS = {
  'nowait-one-key': [
    { key: 'nsPerOp', label: 'ns/op', kind: 'ratio' },
    { key: 'opsPerSec', label: 'Mops/s', kind: 'median', scale: 1e-6 },
    { key: 'granted', label: 'granted', kind: 'median', pct: true },
  ],
  'nowait-one-key-limited': [
    { key: 'nsPerOp', label: 'ns/op', kind: 'ratio' },
    { key: 'opsPerSec', label: 'Mops/s', kind: 'median', scale: 1e-6 },
    { key: 'granted', label: 'granted', kind: 'median', pct: true },
  ],
  'nowait-100k-keys': [
    { key: 'nsPerOp', label: 'ns/op', kind: 'ratio' },
    { key: 'granted', label: 'granted', kind: 'median', pct: true },
    { key: 'size', label: 'keys held', kind: 'median' },
  ],
  'heap-per-key': [
    { key: 'bytesPerKey', label: 'bytes/key (refill 0.01/s, all held)', kind: 'ratio' },
    { key: 'nsPerKey', label: 'ns/new key', kind: 'ratio' },
    { key: 'size', label: 'keys held', kind: 'median' },
    { key: 'timers', label: 'timers created', kind: 'max' },
  ],
  'acquire-no-wait': [
    { key: 'nsPerOp', label: 'ns/await', kind: 'ratio' },
    { key: 'timers', label: 'timers in loop', kind: 'max' },
  ],
  accuracy: [
    { key: 'maxIn1s', label: 'max grants in 1 s (bound 60, worst run)', kind: 'max' },
    { key: 'fifo', label: 'FIFO (every run)', kind: 'all' },
    { key: 'p99LateMs', label: 'p99 lateness ms', kind: 'median' },
    { key: 'maxLateMs', label: 'max lateness ms (worst run)', kind: 'max' },
    { key: 'minLateMs', label: 'earliest vs ideal ms (<0 = early)', kind: 'min' },
    { key: 'timers', label: 'timers created', kind: 'median' },
  ],
  'nowait-fixed-window': NOWAIT_METRICS,
  'nowait-sliding-log': NOWAIT_METRICS,
  'nowait-sliding-log-limited': NOWAIT_METRICS,
  'nowait-all-of-one-key': NOWAIT_METRICS,
  'nowait-all-of-100k-keys': [...NOWAIT_METRICS, { key: 'size', label: 'keys held', kind: 'median' }],
};

const summary = [];
const rowsMd = [];
const notes = new Set();
for (const sc of SCENARIOS) {
  for (const m of METRICS[sc]) {
    const row = { scenario: sc, metric: m.label, values: {} };
    const cellsMd = [];
    for (const su of SUBJECTS) {
      const runs = cells[sc][su];
      const na = runs.find((r) => r.na);
      if (ALGORITHM_SCENARIOS.has(sc) && !WITH_ALGORITHMS.has(su) && na) {
        row.values[su] = { na: na.na };
        cellsMd.push('n/a');
        continue;
      }
      const errs = runs.filter((r) => r.error);
      if (na && runs.some((r) => !r.na && !r.error)) notes.add(`${su} / ${sc}: ${runs.filter((r) => r.na).length} run(s) n/a — ${na.na}`);
      if (na && !runs.some((r) => !r.na && !r.error)) {
        row.values[su] = { na: na.na };
        cellsMd.push('n/a');
        notes.add(`${su} / ${sc}: n/a — ${na.na}`);
        continue;
      }
      for (const e of errs) notes.add(`${su} / ${sc}: ${e.error}`);
      const ok = runs.filter((r) => !r.error && !r.na);
      if (ok.length === 0) {
        row.values[su] = { error: true };
        cellsMd.push('error');
        continue;
      }
      for (const r of ok) if (r.note) notes.add(`${su} / ${sc}: ${r.note}`);
      const xs = ok.map((r) => r[m.key]);
      let text;
      const v = { runs: xs };
      if (m.kind === 'all') {
        const bad = xs.filter((x) => !x).length;
        v.value = bad === 0;
        text = bad === 0 ? 'yes' : `no (${bad}/${xs.length} runs; median ${median(ok.map((r) => r.outOfOrder))} out of order)`;
      } else if (m.kind === 'max' || m.kind === 'min') {
        v.value = m.kind === 'max' ? max(xs) : Math.min(...xs.filter(Number.isFinite));
        text = fmt(v.value);
      } else {
        v.value = median(xs);
        v.spread = (max(xs) - Math.min(...xs)) / v.value;
        text = m.pct ? pct(v.value) : fmt(v.value * (m.scale ?? 1));
        if (m.kind === 'ratio' && su !== 'baseline') {
          const base = cells[sc].baseline ?? [];
          const ratios = [];
          for (let i = 0; i < runs.length; i++) {
            const b = base[i];
            const r = runs[i];
            if (b && r && Number.isFinite(b[m.key]) && Number.isFinite(r[m.key]) && b[m.key] > 0) ratios.push(r[m.key] / b[m.key]);
          }
          v.ratio = median(ratios);
          v.ratios = ratios;
          if (Number.isFinite(v.ratio)) text += ` (${v.ratio.toFixed(2)}×)`;
        }
        if (m.kind === 'ratio' && v.spread > 0.25) {
          notes.add(`${su} / ${sc} ${m.label}: noisy, runs spread ${(v.spread * 100).toFixed(0)}% of the median (${xs.map((x) => fmt(x)).join(', ')})`);
        }
      }
      row.values[su] = v;
      cellsMd.push(text);
    }
    summary.push(row);
    rowsMd.push(`| ${sc} | ${m.label} | ${cellsMd.join(' | ')} |`);
  }
}

const algorithmless = SUBJECTS.filter((su) => !WITH_ALGORITHMS.has(su));
if (algorithmless.length && SCENARIOS.some((sc) => ALGORITHM_SCENARIOS.has(sc))) {
  notes.add(`${algorithmless.join(', ')}: n/a in the nowait-fixed-window, nowait-sliding-log… and nowait-all-of… rows, which time lazy-limiter's other algorithms against the baseline's token bucket`);
}

// Things a reader should not miss.
if (distAtEnd !== distAtStart) notes.add(`dist/index.js was rebuilt during the run (${distAtStart} -> ${distAtEnd}); all cells used the snapshot ${distAtStart} taken at the start`);
for (const sc of SCENARIOS) {
  for (const su of SUBJECTS) {
    for (const r of cells[sc][su]) {
      if (r.error || r.na) continue;
      if (sc.startsWith('nowait') && r.timers > 0) notes.add(`${su} / ${sc}: created ${r.timers} timer(s) in the timed loop`);
      if ((sc === 'nowait-100k-keys' || sc === 'nowait-all-of-100k-keys' || sc === 'heap-per-key') && r.size !== r.keys)
        notes.add(`${su} / ${sc}: holds ${r.size} of ${r.keys} keys after the loop (evicted/dropped?)`);
      if (sc === 'accuracy' && r.maxIn1s > r.bound) notes.add(`${su} / accuracy: ${r.maxIn1s} grants in 1 s > bound ${r.bound}`);
    }
  }
}

// ---------------------------------------------------------------- same-schedule summary
// One row per (shape, subject); worst run for the bound, median for times and costs.
const SCHED_COLUMNS = [
  { key: 'maxInWindow', int: true, label: `most in any ${INTERVAL} ms (bound ${LIMIT})`, kind: 'max' },
  { key: 'maxInWindowLess1ms', int: true, label: `most in any ${INTERVAL - 1} ms`, kind: 'max' },
  { key: 'minSpanMs', label: `shortest span of ${LIMIT + 1} grants, ms`, kind: 'min' },
  { key: 'overIdealMs', label: 'last grant vs ideal, ms', kind: 'median' },
  { key: 'p50LateMs', label: 'p50 late, ms', kind: 'median' },
  { key: 'p99LateMs', label: 'p99 late, ms', kind: 'median' },
  { key: 'minLateMs', label: 'earliest vs ideal, ms', kind: 'min' },
  { key: 'fifo', label: 'FIFO', kind: 'all' },
  { key: 'timersCreated', int: true, label: 'timers created', kind: 'median' },
  { key: 'timersFired', int: true, label: 'timers fired', kind: 'median' },
  { key: 'cpuUsPerCall', label: 'CPU µs/call', kind: 'median' },
];
const schedSummary = [];
const schedMd = [];
for (const sh of SCHEDULE ? SHAPES : []) {
  schedMd.push(`Shape \`${sh}\`:`, '', `| subject | ${SCHED_COLUMNS.map((c) => c.label).join(' | ')} |`, `|---|${SCHED_COLUMNS.map(() => '---').join('|')}|`);
  for (const su of SCHED_SUBJECTS) {
    const runs = schedCells[sh][su];
    const ok = runs.filter((r) => !r.error && !r.na);
    for (const r of runs) if (r.error || r.na) notes.add(`schedule ${sh} / ${su}: ${r.error ?? `n/a — ${r.na}`}`);
    const row = { shape: sh, subject: su, note: ok[0]?.note, runs: ok.length, values: {} };
    const texts = SCHED_COLUMNS.map((c) => {
      const xs = ok.map((r) => r[c.key]);
      if (xs.length === 0) return '–';
      let v;
      let text;
      if (c.kind === 'all') {
        const bad = xs.filter((x) => !x).length;
        v = bad === 0;
        text = bad === 0 ? 'yes' : `no (${bad}/${xs.length} runs; median ${median(ok.map((r) => r.outOfOrder))} out of order)`;
      } else {
        v = c.kind === 'max' ? max(xs) : c.kind === 'min' ? Math.min(...xs.filter(Number.isFinite)) : median(xs);
        text = c.int && Number.isInteger(v) ? String(v) : fmt(v);
      }
      row.values[c.key] = v;
      return text;
    });
    schedSummary.push(row);
    schedMd.push(`| ${su} | ${texts.join(' | ')} |`);
  }
  schedMd.push('');
}

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  node: process.version,
  os: `${os.platform()} ${os.release()} ${os.arch()}`,
  memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
  date: new Date().toISOString(),
  loadavg1mStartEnd: [+loadAtStart[0].toFixed(2), +loadAtEnd[0].toFixed(2)],
  dist: distAtStart,
  commit: commit === undefined ? undefined : commit + srcDirty,
};
const machineLine = `${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, node ${machine.node}, ${machine.os}, ${machine.date}; load avg ${machine.loadavg1mStartEnd.join(' -> ')}; dist/index.js ${machine.dist}${machine.commit ? `, HEAD ${machine.commit}` : ''}`;

const lines = [
  `Machine: ${machineLine}`,
  ...(SCENARIOS.length
    ? [
        `Runs: ${REPEAT} per cell${QUICK ? ' (--quick)' : ''}, total ${totalSeconds.toFixed(0)} s. Median over runs; (N×) = median of per-run ratios to the baseline run side by side; < 1 is faster/smaller.`,
        '',
        `| scenario | metric | ${SUBJECTS.join(' | ')} |`,
        `|---|---|${SUBJECTS.map(() => '---').join('|')}|`,
        ...rowsMd,
        '',
      ]
    : []),
  ...(SCHEDULE
    ? [
        `Same schedule: ${LIMIT} calls per ${INTERVAL} ms, ${callsFor(QUICK)} calls of ${TASK_MS} ms each, ${SCHEDULE_REPEAT} run(s) per cell, one cell at a time${QUICK ? ' (--quick)' : ''}. Worst run for the bound columns and "earliest", median for the rest. Ideal = the earliest FIFO schedule with at most ${LIMIT} grants in any ${INTERVAL} ms.`,
        '',
        ...schedMd,
      ]
    : []),
  ...(notes.size ? ['Notes:', ...[...notes].map((n) => `- ${n}`)] : []),
];
process.stdout.write(lines.join('\n') + '\n');

writeFileSync(
  OUT,
  JSON.stringify(
    {
      machine,
      config: { repeat: REPEAT, quick: QUICK, subjects: SUBJECTS, scenarios: SCENARIOS },
      totalSeconds,
      summary,
      notes: [...notes],
      cells,
      ...(SCHEDULE
        ? { schedule: { config: { repeat: SCHEDULE_REPEAT, quick: QUICK, subjects: SCHED_SUBJECTS, shapes: SHAPES }, summary: schedSummary, cells: schedCells } }
        : {}),
    },
    null,
    2,
  ) + '\n',
);
process.stderr.write(`wrote ${OUT}\n`);

// Chart of the summary next to the JSON (results.svg); `node bench/chart.mjs` redraws it alone.
try {
  const { writeChart } = await import('./chart.mjs');
  process.stderr.write(`wrote ${writeChart(OUT)}\n`);
} catch (e) {
  process.stderr.write(`chart not written: ${e.message}\n`);
}
