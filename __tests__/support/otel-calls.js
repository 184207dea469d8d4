'use strict'

// One side of the OpenTelemetry differential test, in its own process: registers the SDK with
// @opentelemetry/instrumentation-http (stable HTTP semantic conventions), loads a client, runs
// Adobe's example flow (getToken, then a persisted query) and a failing query under an app span,
// and prints the finished spans as JSON.
//
//   node --require emulator/redirect-443.js otel-calls.js MODULE SERVICE_URL CREDENTIALS_FILE

process.env.OTEL_SEMCONV_STABILITY_OPT_IN = 'http'

const api = require('@opentelemetry/api')
const { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter } = require('@opentelemetry/sdk-trace-base')
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks')
const { W3CTraceContextPropagator } = require('@opentelemetry/core')
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http')

const exporter = new InMemorySpanExporter()
api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
api.propagation.setGlobalPropagator(new W3CTraceContextPropagator())
api.trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }))
// Instrumentations patch `http` when they are built, before the client is required.
const http = new HttpInstrumentation()

const [modulePath, serviceURL, credentialsFile] = process.argv.slice(2)
const { AEMHeadless, getToken } = require(modulePath)

async function main () {
  const tracer = api.trace.getTracer('app')
  await tracer.startActiveSpan('app', async (span) => {
    try {
      const { accessToken } = await getToken(credentialsFile)
      const aem = new AEMHeadless({ serviceURL, endpoint: '', auth: accessToken })
      await aem.runPersistedQuery('wknd-shared/adventures-all', { imageWidth: 1200 })
      await aem.runPersistedQuery('test/error-400').catch(() => {})
    } finally {
      span.end()
    }
  })
  http.disable()
  const spans = exporter.getFinishedSpans()
  const ids = new Map(spans.map((s) => [s.spanContext().spanId, s.name === 'app' ? 'app' : s]))
  console.log(JSON.stringify(spans.filter((s) => s.name !== 'app').map((s) => ({
    name: s.name,
    kind: s.kind,
    method: s.attributes['http.request.method'],
    status: s.attributes['http.response.status_code'],
    statusCode: s.status.code,
    errorType: s.attributes['error.type'],
    address: s.attributes['server.address'],
    port: s.attributes['server.port'],
    url: s.attributes['url.full'],
    parent: s.parentSpanContext ? (ids.get(s.parentSpanContext.spanId) === 'app' ? 'app' : 'other') : 'none',
    traceIsApp: spans.find((a) => a.name === 'app').spanContext().traceId === s.spanContext().traceId
  }))))
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
