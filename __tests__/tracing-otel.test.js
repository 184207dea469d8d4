'use strict'

// OpenTelemetry with the real SDK against the emulator: CLIENT spans under the app's active span,
// named and attributed by the HTTP client semantic conventions, the W3C trace context on every
// AEM and IMS request, the http.client.request.duration histogram, ERROR spans, and nothing at
// all without a registered provider or with `tracing: false`.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const api = require('@opentelemetry/api')
const { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter } = require('@opentelemetry/sdk-trace-base')
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks')
const { W3CTraceContextPropagator, CompositePropagator, TraceState } = require('@opentelemetry/core')
const { B3Propagator, B3InjectEncoding } = require('@opentelemetry/propagator-b3')
const { MeterProvider, MetricReader, AggregationTemporality } = require('@opentelemetry/sdk-metrics')
const AEMHeadless = require('..')
const { TokenProvider } = AEMHeadless
const { setup, rejectsWith, secretsOf } = require('./helpers')
const { outcomeOf } = require('../lib/outcome')
const path = require('node:path')
const { promisify } = require('node:util')
const run = promisify(require('node:child_process').execFile)

let env
const exporter = new InMemorySpanExporter()
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
/** A reader the test collects from when it wants, each time what was recorded since the last. */
class CollectingReader extends MetricReader {
  constructor () {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA })
  }

  async onForceFlush () {}
  async onShutdown () {}
}
const reader = new CollectingReader()
const meterProvider = new MeterProvider({ readers: [reader] })

before(async () => {
  env = await setup()
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable())
  api.propagation.setGlobalPropagator(new W3CTraceContextPropagator())
})
after(async () => {
  api.trace.disable()
  api.metrics.disable()
  api.propagation.disable()
  api.context.disable()
  await env.close()
})

function register () {
  api.trace.setGlobalTracerProvider(provider)
  api.metrics.setGlobalMeterProvider(meterProvider)
}

function unregister () {
  api.trace.disable()
  api.metrics.disable()
}

/** Runs `work` under an active app span and returns that span's context. */
async function underAppSpan (work) {
  const tracer = api.trace.getTracer('app')
  return tracer.startActiveSpan('GET /adventures', { kind: api.SpanKind.SERVER }, async (span) => {
    try {
      await work()
      return span.spanContext()
    } finally {
      span.end()
    }
  })
}

/** The library's spans (not the app's). */
function ourSpans () {
  return exporter.getFinishedSpans().filter((s) => s.instrumentationScope.name === 'aem-headless-rs')
}

/** The library's metrics recorded since the last collection. */
async function ourMetrics () {
  const { resourceMetrics } = await reader.collect()
  return resourceMetrics.scopeMetrics.filter((s) => s.scope.name === 'aem-headless-rs').flatMap((s) => s.metrics)
}

/** The data points of the library's metrics recorded since the last collection. */
async function ourDataPoints () {
  return (await ourMetrics()).flatMap((m) => m.dataPoints)
}

function assertNoSecretIn (spans, extra = []) {
  const text = JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, status: s.status, events: s.events })))
  for (const secret of [...secretsOf(env.emu), ...extra]) assert.ok(!text.includes(secret), `a secret in a span: ${text.slice(0, 300)}`)
}

const port = () => Number(new URL(env.emu.url).port)

test('without a registered provider, even under an active trace context: no span, no traceparent, and the calls work', async () => {
  exporter.reset()
  env.emu.clearRequests()
  const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, ca: env.emu.caPem })
  // An incoming request's trace context, as the app's propagator would extract it: were the
  // package to inject without a registered SDK, this is the traceparent AEM would see.
  const incoming = api.trace.setSpanContext(api.context.active(), { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true })
  const { data } = await api.context.with(incoming, () => aem.runPersistedQuery('wknd-shared/adventures-all'))
  assert.equal(data.adventureList.items.length, 16)
  assert.equal(exporter.getFinishedSpans().length, 0)
  assert.deepEqual(env.emu.requests.map((r) => r.traceparent), [undefined, undefined])
})

test('without @opentelemetry/api installed: the calls and the channels work', async () => {
  const { stdout } = await run(process.execPath, [path.join(__dirname, 'support', 'without-otel-api.js'), env.emu.url, env.emu.issueToken(), env.files.caFile])
  assert.deepEqual(JSON.parse(stdout), { apiLoadable: false, items: 16, events: ['start', 'end', 'asyncStart', 'asyncEnd'] })
})

test('a provider registered, then disabled: spans while it is, none after', async () => {
  exporter.reset()
  const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.issueToken(), ca: env.emu.caPem })
  register()
  try {
    await underAppSpan(() => aem.runPersistedQuery('wknd-shared/adventures-all'))
    assert.equal(ourSpans().length, 1)
  } finally {
    unregister()
  }
  env.emu.clearRequests()
  await underAppSpan(() => aem.runPersistedQuery('wknd-shared/adventures-all'))
  assert.equal(ourSpans().length, 1, 'no span once the provider is gone')
  assert.equal(env.emu.requests[0].traceparent, undefined)
})

test('a cold credentials client: an IMS span and an AEM span, CLIENT children of the active span, the traceparent of each on the wire', async () => {
  register()
  try {
    exporter.reset()
    env.emu.clearRequests()
    const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, ca: env.emu.caPem })
    let accessToken
    const app = await underAppSpan(async () => {
      await aem.runPersistedQuery('wknd-shared/adventures-all', { imageWidth: 1200 })
    })
    const spans = ourSpans()
    assert.equal(spans.length, 2)
    const [ims, query] = spans
    for (const span of spans) {
      assert.equal(span.kind, api.SpanKind.CLIENT)
      assert.equal(span.spanContext().traceId, app.traceId)
      assert.equal(span.parentSpanContext.spanId, app.spanId, 'a child of the app span')
      assert.equal(span.status.code, api.SpanStatusCode.UNSET)
    }
    assert.equal(ims.name, 'POST')
    assert.deepEqual(ims.attributes, {
      'http.request.method': 'POST',
      'url.full': `https://${env.emu.imsEndpoint}/ims/exchange/jwt`,
      'server.address': '127.0.0.1',
      'server.port': port(),
      'http.response.status_code': 200,
      'network.protocol.version': ims.attributes['network.protocol.version']
    })
    assert.match(ims.attributes['network.protocol.version'], /^(1\.1|2)$/)
    assert.equal(query.name, 'GET')
    const [imsRequest, aemRequest] = env.emu.requests
    assert.equal(aemRequest.url, '/graphql/execute.json/wknd-shared/adventures-all%3BimageWidth%3D1200;')
    assert.deepEqual(query.attributes, {
      'http.request.method': 'GET',
      'url.full': `${env.emu.url}${aemRequest.url}`,
      'server.address': '127.0.0.1',
      'server.port': port(),
      'aem.graphql.persisted_query': 'wknd-shared/adventures-all',
      'http.response.status_code': 200,
      'network.protocol.version': query.attributes['network.protocol.version'],
      'aem.cache.hit': false
    })
    // The trace context on the wire: each request carries its own span as parent.
    assert.equal(imsRequest.url, '/ims/exchange/jwt')
    assert.equal(imsRequest.traceparent, `00-${app.traceId}-${ims.spanContext().spanId}-01`)
    assert.equal(aemRequest.traceparent, `00-${app.traceId}-${query.spanContext().spanId}-01`)
    accessToken = aemRequest.headers.authorization.slice('Bearer '.length)
    assertNoSecretIn(spans, [accessToken])
  } finally {
    unregister()
  }
})

test('a 401 and a timeout are ERROR spans with error.type; a retried call has its resend count; a cache hit says so', async () => {
  register()
  try {
    exporter.reset()
    const token = env.emu.issueToken()
    const refused = new AEMHeadless({ serviceURL: env.emu.url, auth: 'not-a-token', ca: env.emu.caPem })
    const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: token, ca: env.emu.caPem, cache: true })
    await underAppSpan(async () => {
      // AEM's 401 has an empty body.
      await rejectsWith(refused.runPersistedQuery('wknd-shared/adventures-all'), 'RESPONSE_ERROR')
      await rejectsWith(aem.runPersistedQuery('fault/stall', { ms: 3000 }, { timeout: 200 }), 'REQUEST_ERROR')
      await aem.runPersistedQuery('fault/flaky', { key: `otel-${Date.now()}`, failures: 2 }, {}, { initialDelayInMillis: 1 })
      await aem.runPersistedQuery('wknd-shared/adventures-all')
      await aem.runPersistedQuery('wknd-shared/adventures-all')
    })
    const [unauthorized, timedOut, retried, miss, hit] = ourSpans()
    assert.equal(unauthorized.status.code, api.SpanStatusCode.ERROR)
    assert.equal(unauthorized.attributes['http.response.status_code'], 401)
    assert.equal(unauthorized.attributes['error.type'], '401')
    assert.equal(unauthorized.status.message, undefined, 'no description when the status code says why')
    assert.equal(timedOut.status.code, api.SpanStatusCode.ERROR)
    assert.equal(timedOut.attributes['error.type'], 'timeout')
    assert.equal(timedOut.status.message, 'REQUEST_ERROR')
    assert.equal(timedOut.attributes['http.response.status_code'], undefined)
    assert.equal(retried.status.code, api.SpanStatusCode.UNSET)
    assert.equal(retried.attributes['http.request.resend_count'], 2)
    assert.equal(miss.attributes['aem.cache.hit'], false)
    assert.equal(miss.attributes['http.request.resend_count'], undefined)
    assert.equal(hit.attributes['aem.cache.hit'], true)
    assert.equal(hit.attributes['http.response.status_code'], 200)
    assertNoSecretIn(ourSpans(), [token, 'not-a-token'])
  } finally {
    unregister()
  }
})

test('the trace context does not split the response cache', async () => {
  register()
  try {
    env.emu.clearRequests()
    const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.issueToken(), ca: env.emu.caPem, cache: true })
    await underAppSpan(() => aem.runPersistedQuery('wknd-shared/adventure-by-slug', { slug: 'bali-surf-camp' }))
    await underAppSpan(() => aem.runPersistedQuery('wknd-shared/adventure-by-slug', { slug: 'bali-surf-camp' }))
    assert.equal(env.emu.requests.length, 1, 'the second call, under another trace, is a cache hit')
  } finally {
    unregister()
  }
})

test('the active trace\'s tracestate goes on the wire with its traceparent', async () => {
  register()
  try {
    env.emu.clearRequests()
    exporter.reset()
    const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.issueToken(), ca: env.emu.caPem })
    // The app's request came with a tracestate; its span, and so ours, carries it on.
    const incoming = api.trace.setSpanContext(api.context.active(), {
      traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1, isRemote: true, traceState: new TraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7')
    })
    await api.context.with(incoming, () => underAppSpan(() => aem.runPersistedQuery('wknd-shared/adventures-all')))
    const [span] = ourSpans()
    const [sent] = env.emu.requests
    assert.equal(sent.traceparent, `00-0af7651916cd43dd8448eb211c80319c-${span.spanContext().spanId}-01`)
    assert.equal(sent.headers.tracestate, 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7')
  } finally {
    unregister()
  }
})

test('whatever headers the app\'s propagator writes (W3C and B3 here) go on the wire, over the call\'s own, and stay out of the cache key', async () => {
  register()
  api.propagation.disable()
  api.propagation.setGlobalPropagator(new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new B3Propagator({ injectEncoding: B3InjectEncoding.MULTI_HEADER })]
  }))
  try {
    env.emu.clearRequests()
    const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.issueToken(), ca: env.emu.caPem, cache: true })
    const headers = { 'X-B3-TraceId': 'from-the-caller', 'X-Caller': 'kept' }
    const first = await underAppSpan(() => aem.runPersistedQuery('wknd-shared/adventures-all', {}, { headers }))
    await underAppSpan(() => aem.runPersistedQuery('wknd-shared/adventures-all', {}, { headers }))
    assert.equal(env.emu.requests.length, 1, 'the second call, under another trace, is a cache hit')
    const sent = env.emu.requests[0].headers
    const [span] = ourSpans().slice(-2)
    assert.equal(sent['x-b3-traceid'], first.traceId, 'the propagator\'s header replaces the caller\'s')
    assert.equal(sent['x-b3-spanid'], span.spanContext().spanId)
    assert.equal(sent['x-b3-sampled'], '1')
    assert.equal(sent.traceparent, `00-${first.traceId}-${span.spanContext().spanId}-01`)
    assert.equal(sent['x-caller'], 'kept')
  } finally {
    api.propagation.disable()
    api.propagation.setGlobalPropagator(new W3CTraceContextPropagator())
    unregister()
  }
})

test('the native side\'s outcome codes read back as status, attempts, cache, coalescing and HTTP version', () => {
  // The codes src/binding/client.rs's test packs.
  assert.deepEqual(outcomeOf(536874487), { status: 503, attempts: 3, cached: false, coalesced: false, httpVersion: '2', stale: undefined })
  assert.deepEqual(outcomeOf(67109064), { status: 200, attempts: 0, cached: true, coalesced: false, httpVersion: undefined, stale: undefined })
  assert.deepEqual(outcomeOf(402654408), { status: 200, attempts: 1, cached: false, coalesced: false, httpVersion: '1.1', stale: undefined })
  assert.deepEqual(outcomeOf(1744831688), { status: 200, attempts: 1, cached: false, coalesced: true, httpVersion: '3', stale: undefined })
  assert.equal(outcomeOf(200 | 1 << 10 | 1 << 27).httpVersion, '0.9')
  assert.equal(outcomeOf(200 | 1 << 10 | 5 << 27).httpVersion, '3')
  assert.deepEqual(outcomeOf(2214594760), { status: 200, attempts: 2, cached: true, coalesced: false, httpVersion: undefined, stale: 'stale-while-revalidate' })
  assert.deepEqual(outcomeOf(2248149192), { status: 200, attempts: 2, cached: true, coalesced: false, httpVersion: undefined, stale: 'stale-if-error' })
})

test('http.client.request.duration: a histogram in seconds with the conventions\' attributes', async () => {
  register()
  try {
    await reader.collect() // start afresh
    const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.issueToken(), ca: env.emu.caPem })
    await aem.runPersistedQuery('wknd-shared/adventures-all')
    await rejectsWith(aem.runPersistedQuery('test/error-400'), 'API_ERROR')
    const metrics = await ourMetrics()
    assert.equal(metrics.length, 1)
    const [duration] = metrics
    assert.equal(duration.descriptor.name, 'http.client.request.duration')
    assert.equal(duration.descriptor.unit, 's')
    const points = duration.dataPoints.map((p) => p.attributes)
    const ok = points.find((a) => a['http.response.status_code'] === 200)
    assert.deepEqual({ ...ok, 'network.protocol.version': undefined }, {
      'http.request.method': 'GET',
      'server.address': '127.0.0.1',
      'server.port': port(),
      'url.scheme': 'https',
      'http.response.status_code': 200,
      'network.protocol.version': undefined
    })
    const failed = points.find((a) => a['http.response.status_code'] === 400)
    assert.equal(failed['error.type'], '400')
    const okPoint = duration.dataPoints.find((p) => p.attributes === ok)
    assert.ok(okPoint.value.count >= 1)
    assert.ok(okPoint.value.sum > 0 && okPoint.value.sum < 30, 'seconds, not milliseconds')
    assert.deepEqual(okPoint.value.buckets.boundaries, [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10], 'the conventions\' boundaries')
  } finally {
    unregister()
  }
})

test('http.client.request.duration counts the requests sent: not a cache hit, nor calls another call\'s request answered', async () => {
  register()
  try {
    await reader.collect()
    exporter.reset()
    env.emu.clearRequests()
    const token = env.emu.issueToken()
    const cached = new AEMHeadless({ serviceURL: env.emu.url, auth: token, ca: env.emu.caPem, cache: true })
    await cached.runPersistedQuery('wknd-shared/adventures-all')
    await cached.runPersistedQuery('wknd-shared/adventures-all')
    const coalescing = new AEMHeadless({ serviceURL: env.emu.url, auth: token, ca: env.emu.caPem, coalesce: true })
    await Promise.all([1, 2, 3].map(() => coalescing.runPersistedQuery('fault/stall', { ms: 300 })))
    assert.equal(env.emu.requests.length, 2, 'a miss and one coalesced request')
    const spans = ourSpans()
    assert.equal(spans.length, 5, 'a span for every call')
    assert.deepEqual(spans.map((span) => span.attributes['aem.cache.hit']), [false, true, false, false, false])
    const points = await ourDataPoints()
    assert.equal(points.reduce((count, point) => count + point.value.count, 0), 2, 'one measurement per request sent')
  } finally {
    unregister()
  }
})

test('a method the conventions do not know is _OTHER, its span named HTTP, with the method in http.request.method_original', async () => {
  register()
  try {
    exporter.reset()
    await reader.collect()
    const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.issueToken(), ca: env.emu.caPem })
    await assert.rejects(aem.runQuery('{ adventureList { items { slug } } }', { method: 'propfind' }), { name: 'AEMHeadlessError' })
    const [span] = ourSpans()
    assert.equal(span.name, 'HTTP')
    assert.equal(span.attributes['http.request.method'], '_OTHER')
    assert.equal(span.attributes['http.request.method_original'], 'PROPFIND', 'the method as sent')
    const [point] = await ourDataPoints()
    assert.equal(point.attributes['http.request.method'], '_OTHER')
  } finally {
    unregister()
  }
})

test('a call whose signal is already aborted: its span ends, an ERROR, and nothing is sent', async () => {
  register()
  try {
    exporter.reset()
    env.emu.clearRequests()
    const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.issueToken(), ca: env.emu.caPem })
    await rejectsWith(aem.runPersistedQuery('wknd-shared/adventures-all', {}, { signal: AbortSignal.abort() }), 'REQUEST_ERROR')
    const [span] = ourSpans()
    assert.equal(ourSpans().length, 1, 'the span ended')
    assert.equal(span.status.code, api.SpanStatusCode.ERROR)
    assert.equal(span.attributes['error.type'], 'REQUEST_ERROR')
    assert.equal(env.emu.requests.length, 0)
  } finally {
    unregister()
  }
})

test('tracing: false: no span, no metric and no traceparent for that client, nor for its token provider', async () => {
  register()
  try {
    exporter.reset()
    await reader.collect()
    env.emu.clearRequests()
    const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, ca: env.emu.caPem, tracing: false })
    const provider = new TokenProvider(env.files.credentialsFile, { ca: env.emu.caPem, tracing: false })
    await underAppSpan(async () => {
      await aem.runPersistedQuery('wknd-shared/adventures-all')
      await provider.getAccessToken()
    })
    assert.deepEqual(ourSpans(), [])
    assert.deepEqual(env.emu.requests.map((r) => r.traceparent), [undefined, undefined, undefined])
    assert.deepEqual(await ourDataPoints(), [])
    assert.throws(() => new AEMHeadless({ serviceURL: env.emu.url, tracing: 'no' }), { code: 'INVALID_PARAM' })
  } finally {
    unregister()
  }
})

test('getToken, exchange and a TokenProvider: one IMS span per exchange, none for a development token, a cached token or tracing: false', async () => {
  register()
  try {
    exporter.reset()
    env.emu.clearRequests()
    const provider = new TokenProvider(env.files.credentialsFile, { ca: env.emu.caPem })
    const app = await underAppSpan(async () => {
      await AEMHeadless.getToken(env.files.credentialsFile, { ca: env.emu.caPem })
      await AEMHeadless.getToken(env.files.devTokenFile)
      await AEMHeadless.exchange(env.emu.credentials, { ca: env.emu.caPem })
      await AEMHeadless.exchange(env.emu.credentials, { ca: env.emu.caPem, tracing: false })
      await provider.getAccessToken()
      await provider.getAccessToken()
    })
    const spans = ourSpans()
    assert.deepEqual(spans.map((s) => s.name), ['POST', 'POST', 'POST'], 'getToken, exchange, the provider')
    assert.ok(spans.every((s) => s.parentSpanContext.spanId === app.spanId && s.attributes['http.response.status_code'] === 200))
    const traceparents = spans.map((s) => `00-${app.traceId}-${s.spanContext().spanId}-01`)
    assert.deepEqual(env.emu.requests.map((r) => r.traceparent), [traceparents[0], traceparents[1], undefined, traceparents[2]])
  } finally {
    unregister()
  }
})

test('an OAuth Server-to-Server exchange is an IMS span for /ims/token/v3, with no secret in it', async () => {
  register()
  try {
    exporter.reset()
    env.emu.clearRequests()
    const { clientId, clientSecret } = env.emu.credentials.integration.technicalAccount
    const oauth = { clientId, clientSecret, scopes: ['AdobeID', 'openid'], imsEndpoint: env.emu.imsEndpoint }
    const app = await underAppSpan(() => AEMHeadless.getToken(oauth, { ca: env.emu.caPem }))
    const [span] = ourSpans()
    assert.equal(ourSpans().length, 1)
    assert.equal(span.kind, api.SpanKind.CLIENT)
    assert.equal(span.name, 'POST')
    assert.equal(span.attributes['url.full'], `https://${env.emu.imsEndpoint}/ims/token/v3`)
    assert.equal(span.attributes['http.response.status_code'], 200)
    assert.equal(span.parentSpanContext.spanId, app.spanId)
    const [sent] = env.emu.requests
    assert.equal(sent.url, '/ims/token/v3')
    assert.equal(sent.traceparent, `00-${app.traceId}-${span.spanContext().spanId}-01`)
    assertNoSecretIn(ourSpans(), [clientSecret])
  } finally {
    unregister()
  }
})

test('an IMS failure is an ERROR span with IMS\'s status', async () => {
  register()
  try {
    exporter.reset()
    env.emu.failNextTokenRequests(10)
    const provider = new TokenProvider(env.files.credentialsFile, { ca: env.emu.caPem })
    await underAppSpan(() => assert.rejects(provider.getAccessToken(), { name: 'AEMHeadlessError' }))
    env.emu.failNextTokenRequests(0)
    const [span] = ourSpans()
    assert.equal(span.status.code, api.SpanStatusCode.ERROR)
    assert.equal(span.attributes['http.response.status_code'], 503)
    assert.equal(span.attributes['error.type'], '503')
    assert.equal(span.attributes['http.request.resend_count'], 3)
  } finally {
    env.emu.failNextTokenRequests(0)
    unregister()
  }
})

test('a 401, then the same call with a new token: an ERROR span, then a span with its resend count, each with its own traceparent', async () => {
  register()
  try {
    const provider = new TokenProvider(env.files.credentialsFile, { ca: env.emu.caPem, tracing: false })
    const { accessToken } = await provider.getAccessToken()
    env.emu.revokeToken(accessToken)
    exporter.reset()
    env.emu.clearRequests()
    const aem = new AEMHeadless({ serviceURL: env.emu.url, tokenProvider: provider, ca: env.emu.caPem })
    const app = await underAppSpan(() => aem.runPersistedQuery('wknd-shared/adventures-all'))
    const [refused, resent] = ourSpans()
    assert.equal(ourSpans().length, 2)
    assert.equal(refused.status.code, api.SpanStatusCode.ERROR)
    assert.equal(refused.attributes['http.response.status_code'], 401)
    assert.equal(refused.attributes['http.request.resend_count'], undefined)
    assert.equal(resent.status.code, api.SpanStatusCode.UNSET)
    assert.equal(resent.attributes['http.response.status_code'], 200)
    assert.equal(resent.attributes['http.request.resend_count'], 1, 'the request a 401 refused counts as sent before')
    for (const span of [refused, resent]) assert.equal(span.parentSpanContext.spanId, app.spanId)
    const aemRequests = env.emu.requests.filter((r) => r.url.startsWith('/graphql/'))
    assert.deepEqual(aemRequests.map((r) => r.traceparent), [refused, resent].map((s) => `00-${app.traceId}-${s.spanContext().spanId}-01`))
    assertNoSecretIn(ourSpans(), [accessToken])
  } finally {
    unregister()
  }
})

test('a propagator that throws: the request goes without trace context, and its span ends', async () => {
  register()
  api.propagation.disable()
  api.propagation.setGlobalPropagator({ inject () { throw new Error('broken propagator') }, extract: (context) => context, fields: () => [] })
  try {
    exporter.reset()
    env.emu.clearRequests()
    const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.issueToken(), ca: env.emu.caPem })
    const { data } = await underAppSpan(async () => aem.runPersistedQuery('wknd-shared/adventures-all')).then(() => aem.runPersistedQuery('wknd-shared/adventures-all'))
    assert.ok(data.adventureList.items.length > 0)
    assert.equal(env.emu.requests.at(-1).headers.traceparent, undefined)
    assert.equal(ourSpans().length, 2, 'both spans ended')
    const tokens = await AEMHeadless.getToken(env.files.credentialsFile, { ca: env.emu.caPem })
    assert.equal(typeof tokens.accessToken, 'string')
    assert.equal(ourSpans().length, 3, 'the IMS span ended too')
  } finally {
    api.propagation.disable()
    api.propagation.setGlobalPropagator(new W3CTraceContextPropagator())
    unregister()
  }
})
