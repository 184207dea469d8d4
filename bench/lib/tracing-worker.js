'use strict'

// One variant of the tracing benchmark, in its own process: `total` persisted-query GETs, one
// at a time, after `warmUp` more, and prints {seconds, cpuSeconds} of the timed calls as JSON.
//
//   node tracing-worker.js VARIANT MODULE SERVICE_URL QUERY_PATH TOTAL WARM_UP
//
// VARIANT: `before` and `off` (no subscriber, no SDK registered; `before` is MODULE, the code
// before tracing), `channel` (a subscriber on aem-headless-rs:request), `otel` (a registered
// tracer provider with a batch processor, a meter provider, a context manager and the W3C
// propagator: spans, a histogram measurement and a traceparent per call), `otel-untraced` (the
// same SDK, but the client built with `tracing: false`: what the SDK costs the process, such as
// AsyncLocalStorage on every promise, without this package's spans), `hooks` (the same SDK, and
// only this package's tracing work for one request, in a loop without I/O: the span with its
// attributes, the traceparent, the end and the duration measurement).

const [variant, modulePath, serviceURL, queryPath, totalText, warmUpText] = process.argv.slice(2)
const { closedLoop } = require('./closed-loop')

function setUp () {
  if (variant === 'channel') {
    const noop = () => {}
    require('node:diagnostics_channel').tracingChannel('aem-headless-rs:request').subscribe({ start: noop, end: noop, asyncStart: noop, asyncEnd: noop, error: noop })
  }
  if (variant === 'otel' || variant === 'otel-untraced' || variant === 'hooks') {
    const api = require('@opentelemetry/api')
    const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base')
    const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks')
    const { W3CTraceContextPropagator } = require('@opentelemetry/core')
    const { MeterProvider, MetricReader } = require('@opentelemetry/sdk-metrics')
    /** An exporter that drops what it gets: the cost measured is the library's and the SDK's. */
    const exporter = { export (spans, done) { done({ code: 0 }) }, async shutdown () {} }
    class Reader extends MetricReader {
      async onForceFlush () {}
      async onShutdown () {}
    }
    api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
    api.propagation.setGlobalPropagator(new W3CTraceContextPropagator())
    api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] }))
    api.metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new Reader()] }))
    // As in an app whose server spans enter contexts: AsyncLocalStorage tracks every promise
    // from the first context entered on (its cost falls on every variant with the SDK alike).
    api.context.with(api.ROOT_CONTEXT, () => {})
  }
}

/** `total` times this package's tracing work for one request, without the request. */
function hooksOnly (total, warmUp) {
  const { startHttpSpan, targetOf } = require('../../lib/otel')
  const target = targetOf(serviceURL)
  const url = `${serviceURL}/graphql/execute.json/${queryPath}`
  const once = () => {
    const span = startHttpSpan(target, 'GET', url, queryPath)
    span.inject({ authorization: 'Bearer bench-token' })
    span.end({ status: 200, attempts: 1, cached: false, httpVersion: '1.1' })
  }
  for (let i = 0; i < warmUp; i++) once()
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  for (let i = 0; i < total; i++) once()
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const used = process.cpuUsage(cpu)
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6 }
}

async function main () {
  setUp()
  if (variant === 'hooks') {
    const result = hooksOnly(Number(totalText) * 10, Number(warmUpText) * 10)
    result.cpuSeconds /= 10
    result.seconds /= 10
    process.stdout.write(JSON.stringify(result), () => process.exit(0))
    return
  }
  const { AEMHeadless } = require(modulePath)
  const aem = new AEMHeadless({ serviceURL, auth: 'bench-token', ...(variant === 'otel-untraced' ? { tracing: false } : {}) })
  const call = () => aem.runPersistedQuery(queryPath)
  await closedLoop(call, Number(warmUpText), 1)
  const total = Number(totalText)
  const cpu = process.cpuUsage()
  const start = process.hrtime.bigint()
  await closedLoop(call, total, 1)
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  const used = process.cpuUsage(cpu)
  process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6 }), () => process.exit(0))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
