'use strict'

// What tracing costs a call: a persisted query (the ~36 KB adventures answer, one call at a
// time), in three tables.
// 1. Off: client CPU per call for the code before tracing and for today's with nobody listening
//    (no channel subscriber, no OpenTelemetry SDK registered, @opentelemetry/api installed), and
//    with a diagnostics_channel subscriber. Each variant runs in a fresh process; variants
//    alternate over several rounds and the median is kept.
// 2. On: with the OpenTelemetry SDK registered, in one process, blocks of calls of the untraced
//    client (`tracing: false`), the traced client, and the SDK floor (the untraced client inside
//    a span and a measurement the benchmark makes itself) in turn, round after round. Traced
//    minus floor, the median of the rounds' differences, is this package's part; floor minus
//    untraced is the SDK's own.
// 3. With BENCH_INSTRUCTIONS=1 and valgrind installed: instructions per call of the same
//    variants, counted by callgrind (the same for the same code and inputs, whatever else the
//    machine does), counting only calls N + 1 to N + M of a process, once V8 has compiled the
//    code (callgrind_control turns the counting on and off around them).

const { spawn, spawnSync, execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { startServer } = require('./lib/server')
const { num, table } = require('./lib/report')

const QUICK = Boolean(process.env.BENCH_QUICK)
const QUERY = 'wknd-shared/adventures-all'
const ROOT = path.join(__dirname, '..')
const WORKER = path.join(__dirname, 'lib', 'tracing-worker.js')
const TOTAL = QUICK ? 1000 : 10000
const WARM_UP = QUICK ? 500 : 3000
const ROUNDS = QUICK ? 1 : 5
const BLOCK = QUICK ? 200 : 300
const BLOCK_ROUNDS = QUICK ? 4 : 200
/**
 * Calls before the counted ones, and counted calls. V8 is still compiling this code's functions
 * until about the 12,000th call (`node --trace-opt`), and each compilation it counts would move
 * a figure by thousands of instructions.
 */
const COUNT_FROM = 12000
const COUNTED = 4000
const QUICK_NOTE = QUICK ? ' BENCH_QUICK: short runs, a smoke test, not figures to quote.' : ''

/**
 * The package as it was before tracing (the parent of the commit that added lib/tracing.js),
 * with today's native addon, in a temporary folder; null when git cannot give it.
 */
function codeBeforeTracing () {
  try {
    const added = execFileSync('git', ['log', '--diff-filter=A', '--format=%H', '--', 'lib/tracing.js'], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop()
    if (!added) return null
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aem-bench-before-'))
    const archive = execFileSync('git', ['archive', `${added}^`, 'index.js', 'lib', 'package.json'], { cwd: ROOT })
    execFileSync('tar', ['-x', '-C', dir], { input: archive })
    // Today's addon under the old code: the client's TLS trust is now given by the JavaScript
    // side (lib/tls.js), which the old code did not do, so its clients get it here.
    fs.writeFileSync(path.join(dir, 'binding.js'), `'use strict'
const today = require(${JSON.stringify(path.join(ROOT, 'binding.js'))})
const { trustFor } = require(${JSON.stringify(path.join(ROOT, 'lib', 'tls.js'))})
function NativeClient (config, transport) {
  return new today.NativeClient({ ...config, trust: trustFor(config.ca) }, transport)
}
module.exports = { ...today, NativeClient }
`)
    return { dir, commit: added.slice(0, 7) }
  } catch {
    return null
  }
}

/** Runs the worker with `args` against `server`; resolves with what it printed, parsed. */
function runWorker (server, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WORKER, ...args], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: server.caFile },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let text = ''
    child.stdout.on('data', (chunk) => { text += chunk })
    child.on('error', reject)
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(text)) : reject(new Error(`tracing worker ${args[0]} ${args[1]} exited with ${code}`))))
  })
}

const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)]
const signed = (value, digits = 1) => `${value >= 0 ? '+' : ''}${num(value, digits)}`
const range = (values) => `${num(Math.min(...values), 1)}–${num(Math.max(...values), 1)}`

async function offTable (server, before) {
  const variants = [
    ...(before ? [['before', `code before tracing (${before.commit}^)`, before.dir]] : []),
    ['off', 'tracing off: no subscriber, no SDK', ROOT],
    ['channel', 'diagnostics_channel subscriber', ROOT]
  ]
  const cpu = Object.fromEntries(variants.map(([key]) => [key, []]))
  const rate = Object.fromEntries(variants.map(([key]) => [key, []]))
  const offUser = []
  for (let round = 0; round < ROUNDS; round++) {
    for (const [key, , modulePath] of variants) {
      const { seconds, cpuSeconds, userSeconds } = await runWorker(server, ['loop', key, modulePath, server.url, QUERY, String(TOTAL), String(WARM_UP)])
      cpu[key].push((cpuSeconds / TOTAL) * 1e6)
      rate[key].push(TOTAL / seconds)
      if (key === 'off') offUser.push((userSeconds / TOTAL) * 1e6)
    }
  }
  const off = median(cpu.off)
  const rows = variants.map(([key, name]) => [name, num(median(rate[key])), num(median(cpu[key]), 1), signed(median(cpu[key]) - off), range(cpu[key])])
  table(`Tracing off: client CPU per call (persisted query, concurrency 1, ${num(TOTAL)} calls × ${ROUNDS} rounds, a fresh process each)`,
    ['variant', 'calls/s', 'client CPU µs / call (median)', 'Δ vs off, µs', 'range over rounds, µs'], rows,
    [`Target: off within noise of the code before tracing, taken from git and run with today's addon (table 3 counts the instructions). Client CPU is process.cpuUsage() of the client process over the timed calls (every thread, Rust's included), divided by the calls.${before ? '' : ' (The code before tracing could not be taken from git, so it is not measured.)'}${QUICK_NOTE}`])
  return median(offUser)
}

async function onTable (server) {
  const perCall = await runWorker(server, ['ab', ROOT, server.url, QUERY, String(BLOCK), String(BLOCK_ROUNDS)])
  const untraced = median(perCall.untraced)
  const names = { untraced: 'SDK registered, client tracing: false', floor: 'SDK floor: the untraced call in a bare span and measurement', traced: 'SDK registered, client traced: span, metric, traceparent' }
  const rows = Object.entries(names).map(([key, name]) => [name, num(median(perCall[key]), 1), signed(median(perCall[key]) - untraced), range(perCall[key])])
  // Traced and floor blocks run next to each other in every round: the median of their
  // differences round by round leaves out the drift between rounds.
  const ours = median(perCall.traced.map((traced, round) => traced - perCall.floor[round]))
  table(`Tracing on: client CPU per call with the OpenTelemetry SDK registered (one process, ${BLOCK_ROUNDS} rounds of ${BLOCK} calls each)`,
    ['variant', 'client CPU µs / call (median block)', 'Δ vs tracing: false, µs', 'range over blocks, µs'], rows,
    [`This package's part, traced minus floor (the median of the rounds' differences): ${signed(ours)} µs per call (target ≤ 10 µs); the SDK's own part for one span and one measurement, floor minus tracing: false: ${signed(median(perCall.floor) - untraced)} µs. The blocks' ranges show this machine's noise, which is of the order of the package's part: table 3 counts instructions instead. The SDK has a BatchSpanProcessor with an exporter that drops the spans, a meter provider, AsyncLocalStorage context and the W3C propagator: the cost of the span, the measurement and the traceparent, not of an export. The floor's span has the four attributes known at the start and the status code, its measurement five attributes.${QUICK_NOTE}`])
}

/**
 * Instructions per call of `variant`, by callgrind: the worker runs under valgrind with the
 * counting off for the warm-up calls, and `callgrind_control` turns it on for the counted calls
 * only, so that neither start-up nor V8's compiling of the first calls is counted.
 */
function instructions (server, variant, modulePath) {
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', ['--tool=callgrind', '--instr-atstart=no', '--smc-check=all-non-file', '--callgrind-out-file=/dev/null',
      process.execPath, WORKER, 'count', variant, modulePath, server.url, QUERY, String(COUNT_FROM), String(COUNTED)],
    { env: { ...process.env, NODE_EXTRA_CA_CERTS: server.caFile }, stdio: ['pipe', 'pipe', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk) => { stderr += chunk })
    const turn = (state) => execFileSync('callgrind_control', ['--instr=' + state, String(child.pid)], { stdio: 'ignore' })
    require('node:readline').createInterface({ input: child.stdout }).on('line', (line) => {
      if (line !== 'warm' && line !== 'counted') return
      try {
        turn(line === 'warm' ? 'on' : 'off')
        child.stdin.write('\n')
      } catch (error) {
        child.kill()
        reject(error)
      }
    })
    child.on('error', reject)
    child.on('exit', (code) => {
      const collected = /Collected : (\d+)/.exec(stderr)
      if (code !== 0 || !collected) return reject(new Error(`callgrind ${variant}: ${stderr.slice(-500)}`))
      resolve(Number(collected[1]) / COUNTED)
    })
  })
}

async function instructionsTable (server, before, offUserMicros) {
  if (!process.env.BENCH_INSTRUCTIONS) {
    console.log('\n(Tracing by instructions: set BENCH_INSTRUCTIONS=1, with valgrind installed, for the instruction counts: about 15 minutes.)')
    return
  }
  if (spawnSync('valgrind', ['--version']).status !== 0 || spawnSync('callgrind_control', ['--version']).status !== 0) {
    console.log('\n(Tracing by instructions: valgrind (with callgrind_control) is not installed, so the instruction counts are not measured.)')
    return
  }
  const variants = [
    ...(before ? [['before', `code before tracing (${before.commit}^)`, before.dir]] : []),
    ['off', 'tracing off: no subscriber, no SDK', ROOT],
    ['untraced', 'SDK registered, client tracing: false', ROOT],
    ['floor', 'SDK floor: the untraced call in a bare span and measurement', ROOT],
    ['traced', 'SDK registered, client traced', ROOT]
  ]
  const perCall = {}
  for (const [key, , modulePath] of variants) perCall[key] = await instructions(server, key, modulePath)
  const rows = variants.map(([key, name]) => [name, num(perCall[key]), signed(perCall[key] - perCall.off, 0), signed(perCall[key] - perCall.untraced, 0)])
  const ours = perCall.traced - perCall.floor
  table(`Tracing by instructions: per call, counted by callgrind (calls ${num(COUNT_FROM + 1)} to ${num(COUNT_FROM + COUNTED)} of a fresh process)`,
    ['variant', 'instructions / call', 'Δ vs off', 'Δ vs tracing: false'], rows,
    [`This package's part, traced minus floor: ${signed(ours, 0)} instructions per call, ${num((100 * ours) / perCall.off, 1)}% of an untraced call's ${num(perCall.off)}, which is ${num((ours * offUserMicros) / perCall.off, 1)} µs at the rate the off call of table 1 runs its instructions (${num(offUserMicros, 1)} µs of user CPU, the part callgrind counts); the SDK's own part, floor minus tracing: false: ${signed(perCall.floor - perCall.untraced, 0)}. Instructions are those of every thread of the client process in user mode; they leave out cache misses, waits and the kernel, but they do not depend on what else the machine runs, where the CPU time of table 2 varies by more than the differences it measures. They still move between runs: a garbage collection of the old generation that falls inside the counted calls or outside them moves a figure by up to some tens of thousands (two runs of one variant without the SDK agreed within 0.2% here, with the SDK within 2%).`])
}

async function main () {
  const before = codeBeforeTracing()
  const server = await startServer()
  try {
    const offUserMicros = await offTable(server, before)
    await onTable(server)
    await instructionsTable(server, before, offUserMicros)
  } finally {
    server.close()
    if (before) fs.rmSync(before.dir, { recursive: true, force: true })
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
