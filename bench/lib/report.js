'use strict'

// Printing for the benchmarks: the machine, aligned tables and ratios. Every benchmark prints
// one or more tables through `table`, so that `npm run bench` reads as one report.

const os = require('node:os')

/** One line that names the machine and runtime the figures come from. */
function machine () {
  const cpus = os.cpus()
  const model = cpus.length ? cpus[0].model.replace(/\s+/g, ' ').trim() : 'unknown CPU'
  return `${model}, ${cpus.length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.arch()}, Node ${process.version}`
}

/** `value` with `digits` decimals and thousands separators; `n/a` when not a finite number. */
function num (value, digits = 0) {
  if (typeof value !== 'number' || !Number.isFinite(value)) return 'n/a'
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/**
 * `ours` against `theirs` as a factor in our favour when above 1: for "higher is better"
 * figures (ops/s) ours/theirs, for "lower is better" ones (ms, bytes) theirs/ours.
 */
function ratio (ours, theirs, higherIsBetter) {
  if (!(ours > 0 && theirs > 0)) return 'n/a'
  const factor = higherIsBetter ? ours / theirs : theirs / ours
  return `${factor.toFixed(2)}×`
}

/**
 * Prints a table: `title`, then `headers` and `rows` (arrays of cells, already formatted)
 * padded to aligned columns, in Markdown so it can be pasted into the README as is.
 */
function table (title, headers, rows, notes = []) {
  const widths = headers.map((header, i) => Math.max(String(header).length, ...rows.map((row) => String(row[i]).length)))
  const line = (cells) => `| ${cells.map((cell, i) => (i === 0 ? String(cell).padEnd(widths[i]) : String(cell).padStart(widths[i]))).join(' | ')} |`
  const out = [`\n### ${title}\n`, line(headers), `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : '-'.repeat(w - 1) + ':')).join(' | ')} |`, ...rows.map(line)]
  for (const note of notes) out.push(`\n${note}`)
  console.log(out.join('\n'))
}

/** Percentile `p` (0–100) of a sorted array of numbers. */
function percentile (sorted, p) {
  if (sorted.length === 0) return NaN
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index]
}

module.exports = { machine, num, ratio, table, percentile }
