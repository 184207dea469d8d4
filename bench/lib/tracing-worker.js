'use strict'

// The tracing benchmark's client, in its own process. Three modes:
//
//   node tracing-worker.js loop VARIANT MODULE SERVICE_URL QUERY_PATH TOTAL WARM_UP
//     `total` persisted-query GETs one at a time after `warmUp` more, timed; prints
//     {seconds, cpuSeconds, userSeconds}. VARIANT: `before` or `off` (no subscriber, no SDK registered; for
//     `before`, MODULE is the code before tracing) or `channel` (a subscriber on
//     aem-headless-rs:request).
//   node tracing-worker.js ab MODULE SERVICE_URL QUERY_PATH BLOCK ROUNDS
//     With the OpenTelemetry SDK registered, the SDK shapes below in turn, `block` calls each,
//     for `rounds` rounds after a warm-up; prints each shape's CPU µs per call, one per round.
//   node tracing-worker.js count VARIANT MODULE SERVICE_URL QUERY_PATH WARM_UP CALLS
//     For an instruction counter: `warmUp` calls, then `warm` on stdout and a wait for a line on
//     stdin (the counter starts counting), then `calls` calls, then `counted` on stdout and a
//     wait for a line again (it stops). VARIANT: `before`, `off`, or one of the SDK shapes.
//
// The SDK shapes, each with a tracer provider (a batch processor whose exporter drops what it
// gets), a meter provider, AsyncLocalStorage context and the W3C propagator registered:
// - `untraced`: the client built with `tracing: false`;
// - `traced`: the client traced (span, traceparent, duration measurement);
// - `floor`: the untraced client inside a span and a duration measurement that the benchmark makes
//   itself with the app's tracer and meter and the fewest attributes, as any instrumentation must:
//   what the SDK costs for one span and one measurement, so that traced minus floor is this
//   package's own part.

const [mode, ...args] = process.argv.slice(2)
const { closedLoop } = require('./closed-loop')

function subscribeChannel () {
  const noop = () => {}
  require('node:diagnostics_channel').tracingChannel('aem-headless-rs:request').subscribe({ start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop })
}

/** Registers the SDK as an app would; returns the API. */
function registerSdk () {
  const api = require('@opentelemetry/api')
  const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base')
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks')
  const { W3CTraceContextPropagator } = require('@opentelemetry/core')
  const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics')
  const exporter = { export (spans, done) { done({ code: 0 }) }, async shutdown () {} }
  class Reader extends MetricReader {
    async onForceFlush () {}
    async onShutdown () {}
  }
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator())
  api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] }))
  api.metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new Reader()] }))
  // As in an app whose server spans enter contexts: AsyncLocalStorage tracks every promise from
  // the first context entered on.
  api.context.with(api.ROOT_CONTEXT, () => {})
  return api
}

/** The SDK shapes' calls, by name. */
function sdkShapes (api, AEMHeadless, serviceURL, queryPath) {
  const untraced = new AEMHeadless({ serviceURL, auth: 'bench-token', tracing: false })
  const traced = new AEMHeadless({ serviceURL, auth: 'bench-token' })
  const tracer = api.trace.getTracer('bench-floor')
  const durations = api.metrics.getMeter('bench-floor').createHistogram('http.client.request.duration', { unit: 's' })
  const { hostname, port } = new URL(serviceURL)
  const where = { 'http.request.method': 'GET', 'server.address': hostname, 'server.port': Number(port) }
  const url = `${serviceURL}/graphql/execute.json/${queryPath}`
  return {
    untraced: () => untraced.runPersistedQuery(queryPath),
    traced: () => traced.runPersistedQuery(queryPath),
    floor: async () => {
      const startedAt = performance.now()
      const span = tracer.startSpan('GET', { kind: api.SpanKind.CLIENT, attributes: { ...where, 'url.full': url } })
      const answer = await untraced.runPersistedQuery(queryPath)
      span.setAttribute('http.response.status_code', 200)
      span.end()
      durations.record((performance.now() - startedAt) / 1000, { ...where, 'url.scheme': 'https', 'http.response.status_code': 200 })
      return answer
    }
  }
}

function cpuMicros (since) {
  const used = process.cpuUsage(since)
  return used.user + used.system
}

async function loop ([variant, modulePath, serviceURL, queryPath, totalText, warmUpText]) {
  if (variant === 'channel') subscribeChannel()
  const { AEMHeadless } = require(modulePath)
  const aem = new AEMHeadless({ serviceURL, auth: 'bench-token' })
  const call = () => aem.runPersistedQuery(queryPath)
  await closedLoop(call, Number(warmUpText), 1)
  const total = Number(totalText)
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  await closedLoop(call, total, 1)
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const used = process.cpuUsage(cpu)
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, userSeconds: used.user / 1e6 }
}

async function ab ([modulePath, serviceURL, queryPath, blockText, roundsText]) {
  const api = registerSdk()
  const shapes = Object.entries(sdkShapes(api, require(modulePath).AEMHeadless, serviceURL, queryPath))
  const block = Number(blockText)
  for (const [, call] of shapes) await closedLoop(call, 2 * block, 1)
  const perCall = Object.fromEntries(shapes.map(([name]) => [name, []]))
  for (let round = 0; round < Number(roundsText); round++) {
    // Every other round in reverse, so that no shape always follows the same one.
    for (const [name, call] of round % 2 === 0 ? shapes : shapes.slice().reverse()) {
      const cpu = process.cpuUsage()
      await closedLoop(call, block, 1)
      perCall[name].push(cpuMicros(cpu) / block)
    }
  }
  return perCall
}

/** Writes `line` to stdout and resolves once a line comes on stdin. */
function handshake (lines, line) {
  process.stdout.write(`${line}\n`)
  return new Promise((resolve) => lines.once('line', resolve))
}

async function count ([variant, modulePath, serviceURL, queryPath, warmUpText, callsText]) {
  let call
  if (variant === 'before' || variant === 'off') {
    const aem = new (require(modulePath).AEMHeadless)({ serviceURL, auth: 'bench-token' })
    call = () => aem.runPersistedQuery(queryPath)
  } else {
    call = sdkShapes(registerSdk(), require(modulePath).AEMHeadless, serviceURL, queryPath)[variant]
  }
  const lines = require('node:readline').createInterface({ input: process.stdin })
  await closedLoop(call, Number(warmUpText), 1)
  await handshake(lines, 'warm')
  await closedLoop(call, Number(callsText), 1)
  await handshake(lines, 'counted')
  lines.close()
  return {}
}

const modes = { loop, ab, count }
modes[mode](args).then(
  (result) => process.stdout.write(JSON.stringify(result), () => process.exit(0)),
  (error) => {
    console.error(error)
    process.exit(1)
  }
)
