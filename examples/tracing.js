#!/usr/bin/env node
// The example app's flow (a token from service credentials, then a persisted query) under an
// app span, with OpenTelemetry's SDK printing every finished span (ConsoleSpanExporter): the IMS
// exchange and the AEM request are CLIENT spans, children of the app span, in one trace.
//
//   node examples/tracing.js AEM_HOST CREDENTIALS_FILE
//
// An app registers its SDK once at start (here by hand; NodeSDK from @opentelemetry/sdk-node
// does the same); aem-headless-rs uses whatever is registered.
const api = require('@opentelemetry/api')
const { BasicTracerProvider, SimpleSpanProcessor, ConsoleSpanExporter } = require('@opentelemetry/sdk-trace-base')
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks')
const { W3CTraceContextPropagator } = require('@opentelemetry/core')

api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
api.propagation.setGlobalPropagator(new W3CTraceContextPropagator())
api.trace.setGlobalTracerProvider(new BasicTracerProvider({
  spanProcessors: [new SimpleSpanProcessor(new ConsoleSpanExporter())]
}))

const { AEMHeadless, getToken } = require('aem-headless-rs')

async function run () {
  const [aemHost, credentialsFile] = process.argv.slice(2)
  if (!aemHost || !credentialsFile) {
    console.error('usage: node examples/tracing.js AEM_HOST CREDENTIALS_FILE')
    process.exitCode = 2
    return
  }
  const tracer = api.trace.getTracer('example-app')
  await tracer.startActiveSpan('list adventures', async (span) => {
    try {
      const { accessToken } = await getToken(credentialsFile)
      const aem = new AEMHeadless({ serviceURL: aemHost, endpoint: '', auth: accessToken })
      const { data } = await aem.runPersistedQuery('wknd-shared/adventures-all', { imageWidth: 1200 })
      console.log(`${data.adventureList.items.length} adventures`)
    } catch (e) {
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: e.code })
      console.error(typeof e.toJSON === 'function' ? e.toJSON() : e)
      process.exitCode = 1
    } finally {
      span.end()
    }
  })
}

run()
