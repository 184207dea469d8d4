'use strict'

// `npm run bench`: every benchmark, one after another, each in a fresh process, as one report.
// `npm run bench -- query jwt` runs only those; BENCH_QUICK=1 makes every run short (a smoke
// test of the benchmarks themselves, not figures to quote).

const { spawnSync } = require('node:child_process')
const path = require('node:path')
const { machine } = require('./lib/report')

/** The benchmarks, in the order of the report. */
const BENCHMARKS = ['jwt', 'token', 'refresh', 'query', 'core', 'regression', 'large', 'memory', 'cache', 'outage', 'freshness', 'tracing', 'startup', 'upload']

function main () {
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter((name) => !BENCHMARKS.includes(name))
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')}`)
    process.exitCode = 2
    return
  }
  const chosen = wanted.length ? wanted : BENCHMARKS
  console.log(`# aem-headless-rs benchmarks\n\n${machine()}${process.env.BENCH_QUICK ? ' (BENCH_QUICK: short runs, not figures to quote)' : ''}`)
  const failed = []
  for (const name of chosen) {
    const started = Date.now()
    const run = spawnSync(process.execPath, [path.join(__dirname, `${name}.js`)], { stdio: 'inherit' })
    console.log(`\n(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s)`)
    if (run.status !== 0) failed.push(name)
  }
  if (failed.length) {
    console.error(`\nfailed: ${failed.join(', ')}`)
    process.exitCode = 1
  }
}

main()
