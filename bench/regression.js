'use strict'

// Today's build against the build of an older commit, made from git in this run: client CPU per
// call and calls/s of the persisted query at concurrency 1 and 32, in interleaved rounds, each
// contender in a fresh process. On a shared 2-core machine one run's CPU per call varies by ±10%
// from the next, more than the difference sought; so the ratio is paired: each round runs both
// builds back to back, and the figure is the median of the rounds' ratios, with their middle half
// (quartiles) to show the spread. BENCH_BASELINE names the commit (default 1a334e0, the build a
// review found 8% cheaper per call at concurrency 32 than later ones). The baseline's addon is
// built with cargo into the system's temporary folder and kept there for later runs; BENCH_QUICK
// runs only when that build is already there.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { startServer } = require('./lib/server')
const { measure } = require('./lib/contenders')
const { num, table } = require('./lib/report')

const ROOT = path.join(__dirname, '..')
const QUICK = Boolean(process.env.BENCH_QUICK)
const BASELINE = process.env.BENCH_BASELINE || '1a334e0'
const ROUNDS = QUICK ? 1 : Number(process.env.BENCH_ROUNDS) || 9
const QUERY = 'wknd-shared/adventures-all'

/** The folder of the baseline's package with its addon built, or null (QUICK and not built yet). */
function baselineBuild () {
  const commit = execFileSync('git', ['rev-parse', '--short=7', BASELINE], { cwd: ROOT, encoding: 'utf8' }).trim()
  const dir = path.join(os.tmpdir(), `aem-headless-rs-baseline-${commit}`)
  const built = () => fs.existsSync(dir) && fs.readdirSync(dir).some((file) => file.endsWith('.node'))
  if (built()) return { dir, commit }
  if (QUICK) return null
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  execFileSync('tar', ['-x', '-C', dir], { input: execFileSync('git', ['archive', commit], { cwd: ROOT, maxBuffer: 1 << 30 }) })
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'))
  console.error(`building ${commit} (cargo, release) in ${dir}…`)
  execFileSync(process.execPath, [path.join(path.dirname(require.resolve('@napi-rs/cli/package.json')), 'dist', 'cli.js'), 'build', '--platform', '--release', '--js', 'binding.js', '--dts', 'binding.d.ts'], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, CARGO_TARGET_DIR: `${dir}-target` }
  })
  return built() ? { dir, commit } : null
}

/** The value at fraction `q` of the sorted values (0.5: the median). */
const quantile = (values, q) => values.slice().sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * q))]
const median = (values) => quantile(values, 0.5)

async function main () {
  const baseline = baselineBuild()
  if (baseline === null) {
    console.log(`\n### Today's build against ${BASELINE}\n\nBENCH_QUICK: the build of ${BASELINE} is not there yet, so it is not measured (a full run builds it).`)
    return
  }
  const server = await startServer()
  const runs = {}
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, contender] of [[baseline.commit, `ours:${baseline.dir}`], ['today', 'ours']]) {
        for (const concurrency of [1, 32]) {
          const total = QUICK ? 500 : concurrency === 1 ? 4000 : 10000
          const result = await measure(server, contender, { queryPath: QUERY, total, concurrency, warmUp: QUICK ? 300 : 3000 })
          const key = `${name}|${concurrency}`
          ;(runs[key] = runs[key] || []).push(result)
        }
      }
    }
  } finally {
    server.close()
  }
  const rows = []
  for (const [key, results] of Object.entries(runs)) {
    const [name, concurrency] = key.split('|')
    const perCall = results.map((r) => r.cpuPer1000 * 1000)
    rows.push([name, concurrency, num(median(results.map((r) => r.rate))), num(median(perCall)), `${num(Math.min(...perCall))}–${num(Math.max(...perCall))}`])
  }
  // Paired: round i of today against round i of the baseline.
  const paired = (concurrency) => {
    const today = runs[`today|${concurrency}`].map((r) => r.cpuPer1000)
    const ratios = runs[`${baseline.commit}|${concurrency}`].map((r, i) => today[i] / r.cpuPer1000)
    const [low, mid, high] = [0.25, 0.5, 0.75].map((q) => quantile(ratios, q).toFixed(2))
    return ROUNDS >= 4 ? `${mid}× (quartiles ${low}–${high})` : `${mid}×`
  }
  table(`Today's build against ${baseline.commit}, built from git in this run: persisted query, ${ROUNDS} interleaved round(s)`,
    ['build', 'concurrency', 'calls/s (median)', 'client CPU µs per call (median)', 'range'], rows,
    [`Today's client CPU per call, as the median of the rounds' paired ratios: ${paired(32)} ${baseline.commit}'s at concurrency 32 (target ≤ 1.00) and ${paired(1)} at concurrency 1. Each contender runs in a fresh process against the same static HTTPS server.${QUICK ? ' BENCH_QUICK: short runs, not figures to quote.' : ''}`])
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
