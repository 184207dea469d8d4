'use strict'

// What tracing costs a call: client CPU per persisted query (the ~36 KB adventures answer, one
// call at a time) for the code before tracing and for today's with nobody listening (the off
// path: no channel subscriber, no OpenTelemetry SDK registered, @opentelemetry/api installed),
// with a diagnostics_channel subscriber, and with the OpenTelemetry SDK registered. Variants
// alternate over several rounds, each in a fresh process, and the median is kept, so that the
// machine's drift falls on all of them alike.

const { spawn, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startServer } = require('./lib/server')
const { num, table } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)
const QUERY = 'wknd-shared/adventures-all'
const ROOT = path.join(__dirname, '..')
const TOTAL = QUICK ? 1000 : 10000
const WARM_UP = QUICK ? 500 : 3000
const ROUNDS = QUICK ? 1 : 5

/**
 * The package as it was before tracing (the parent of the commit that added lib/tracing.js),
 * with today's native addon, in a temporary folder; null when git cannot give it.
 */
function codeBeforeTracing () {
  try {
    const added = execFileSync('git', ['log', '--diff-filter=A', '--format=%H', '--', 'lib/tracing.js'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()
    if (!added) return null
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aem-bench-before-'))
    const archive = execFileSync('git', ['archive', `${added}^`, 'index.js', 'lib', 'binding.js', 'package.json'], { cwd: ROOT })
    execFileSync('tar', ['-x', '-C', dir], { input: archive })
    for (const file of fs.readdirSync(ROOT).filter((f) => f.endsWith('.node'))) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file))
    return { dir, commit: added.slice(0, 7) }
  } catch {
    return null
  }
}

function runVariant (server, variant, modulePath) {
  return new Promise((resolve, reject) => {
    const worker = path.join(__dirname, 'lib', 'tracing-worker.js')
    const child = spawn(process.execPath, [worker, variant, modulePath, server.url, QUERY, String(TOTAL), String(WARM_UP)], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: server.caFile },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let text = ''
    child.stdout.on('data', (chunk) => { text += chunk })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`${variant} exited with ${code}`))))
  })
}

const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]

async function main () {
  const before = codeBeforeTracing()
  const variants = [
    ...(before ? [['before', `code before tracing (${before.commit}^)`, before.dir]] : []),
    ['off', 'tracing off: no subscriber, no SDK', ROOT],
    ['channel', 'diagnostics_channel subscriber', ROOT],
    ['otel-untraced', 'SDK registered, client tracing: false', ROOT],
    ['otel', 'SDK registered: spans, metric, traceparent', ROOT],
    ['hooks', 'tracing work alone, no request (SDK registered)', ROOT]
  ]
  const server = await startServer()
  const cpu = Object.fromEntries(variants.map(([key]) => [key, []]))
  const rate = Object.fromEntries(variants.map(([key]) => [key, []]))
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [key, , modulePath] of variants) {
        const { seconds, cpuSeconds } = await runVariant(server, key, modulePath)
        cpu[key].push((cpuSeconds / TOTAL) * 1e6)
        rate[key].push(TOTAL / seconds)
      }
    }
  } finally {
    server.close()
    if (before) fs.rmSync(before.dir, { recursive: true, force: true })
  }
  const off = median(cpu.off)
  const signed = (us) => `${us >= 0 ? '+' : ''}${num(us, 1)}`
  const rows = variants.map(([key, name]) => {
    const us = median(cpu[key])
    const calls = key === 'hooks' ? 'n/a' : num(median(rate[key]))
    return [name, calls, num(us, 1), key === 'hooks' ? '' : signed(us - off), `${num(Math.min(...cpu[key]), 1)}–${num(Math.max(...cpu[key]), 1)}`]
  })
  const ours = median(cpu.otel) - median(cpu['otel-untraced'])
  const alone = median(cpu.hooks)
  table(`Tracing: client CPU per call (persisted query, concurrency 1, ${num(TOTAL)} calls × ${ROUNDS} rounds)`,
    ['variant', 'calls/s', 'client CPU µs / call (median)', 'Δ vs off, µs', 'range over rounds, µs'], rows,
    [`This package's tracing work for one request, alone in a loop, takes ${num(alone, 1)} µs of CPU with the SDK registered (target ≤ 10 µs); in the request loop, traced minus tracing: false, it shows as ${signed(ours)} µs per call, which also counts the extra garbage collection of the spans the batch processor holds (and this machine's noise: see the ranges). The rest of the SDK rows' difference from off is the SDK's own cost to the process (AsyncLocalStorage context on every promise), which an app pays with or without this package. Targets: off within noise of the code before tracing. Client CPU is process.cpuUsage() of the client process over the timed calls (every thread, Rust's included), divided by the calls. The SDK variant has a BatchSpanProcessor with an exporter that drops the spans, a meter provider, AsyncLocalStorage context and the W3C propagator: the cost of the span, the measurement and the traceparent, not of an export.${before ? '' : ' (The code before tracing could not be taken from git, so it is not measured.)'}${QUICK ? ' BENCH_QUICK: one short round, a smoke test, not figures to quote.' : ''}`])
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
