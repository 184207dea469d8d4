'use strict'

// OpenTelemetry, as an instrumented library uses it: `@opentelemetry/api` only (an optional peer
// dependency, required on first use), the app's registered tracer provider, meter provider and
// propagator. Without the API, or while no SDK is registered, nothing is made: each call costs
// two property lookups and two comparisons.
//
// Spans and the `http.client.request.duration` metric follow the HTTP client semantic
// conventions. Attributes are set one by one from known values: never a header, body, token or
// secret.

const NAME = 'aem-headless-rs'
const VERSION = require('../package.json').version

/** The semantic conventions' advice for `http.client.request.duration`, in seconds. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

/**
 * The methods the HTTP semantic conventions know (RFC 9110 and PATCH); any other is `_OTHER`,
 * with the method itself in `http.request.method_original`.
 */
const KNOWN_METHODS = new Set(['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE'])

/** A propagator's setter that writes into a list of names and values in turn. */
const INTO_LIST = {
  set (list, name, value) {
    list.push(name, value)
  }
}

/** `@opentelemetry/api` once required; null when it is not installed; undefined before. */
let api
/** The API's no-op tracer provider: what an unregistered global delegates to. */
let noopTracerProvider = null
let tracerDelegate = null
let tracer = null
let meterProvider = null
let histogram = null

function load () {
  try {
    api = require('@opentelemetry/api')
    noopTracerProvider = new api.ProxyTracerProvider().getDelegate()
  } catch {
    api = null
  }
}

/** The app's tracer, or null while no tracer provider is registered. */
function currentTracer () {
  const provider = api.trace.getTracerProvider()
  const delegate = typeof provider.getDelegate === 'function' ? provider.getDelegate() : provider
  if (delegate !== tracerDelegate) {
    tracerDelegate = delegate
    tracer = delegate === noopTracerProvider ? null : delegate.getTracer(NAME, VERSION)
  }
  return tracer
}

/** The duration histogram of the app's meter provider, or null while none is registered. */
function currentHistogram () {
  const provider = api.metrics.getMeterProvider()
  if (provider !== meterProvider) {
    meterProvider = provider
    const meter = provider.getMeter(NAME, VERSION)
    histogram = meter === api.createNoopMeter()
      ? null
      : meter.createHistogram('http.client.request.duration', {
        description: 'Duration of HTTP client requests.',
        unit: 's',
        advice: { explicitBucketBoundaries: DURATION_BUCKETS }
      })
  }
  return histogram
}

/** Whether an SDK is registered: a tracer provider or a meter provider. */
function sdkRegistered () {
  if (api === undefined) load()
  return api !== null && (currentTracer() !== null || currentHistogram() !== null)
}

/**
 * Where requests go, parsed once per client: `url.scheme`, `server.address`, `server.port`.
 * @param {string} url
 * @returns {{scheme: string, address: string, port: number} | null}
 */
function targetOf (url) {
  try {
    const parsed = new URL(url)
    const scheme = parsed.protocol.slice(0, -1)
    const port = parsed.port === '' ? (scheme === 'http' ? 80 : 443) : Number(parsed.port)
    return { scheme, address: parsed.hostname.replace(/^\[|\]$/g, ''), port }
  } catch {
    return null
  }
}

/**
 * A CLIENT span and a duration measurement for one HTTP request to `target`, or null when no
 * SDK is registered (or the API is not installed).
 * @param {{scheme: string, address: string, port: number}} target
 * @param {string} method
 * @param {string} url `url.full`, without user info and with sensitive query values redacted
 * @param {string | undefined} persistedQuery `conf/name`
 * @param {number} sentBefore requests the same call sent before this one: a 401's, whose token
 *   was then replaced
 * @returns {HttpSpan | null}
 */
function startHttpSpan (target, method, url, persistedQuery, sentBefore) {
  if (api === undefined) load()
  if (api === null) return null
  const spans = currentTracer()
  const durations = currentHistogram()
  if (spans === null && durations === null) return null
  return new HttpSpan(spans, durations, target, method, url, persistedQuery, sentBefore)
}

/** The OpenTelemetry side of one HTTP request. */
class HttpSpan {
  constructor (spans, durations, target, method, url, persistedQuery, sentBefore) {
    const known = KNOWN_METHODS.has(method)
    this.durations = durations
    this.target = target
    this.method = known ? method : '_OTHER'
    this.sentBefore = sentBefore
    this.startedAt = performance.now()
    this.parent = api.context.active()
    if (spans === null) {
      this.span = null
      return
    }
    const attributes = {
      'http.request.method': this.method,
      'url.full': url,
      'server.address': target.address,
      'server.port': target.port
    }
    if (!known) attributes['http.request.method_original'] = method
    if (persistedQuery !== undefined) attributes['aem.graphql.persisted_query'] = persistedQuery
    this.span = spans.startSpan(known ? method : 'HTTP', { kind: api.SpanKind.CLIENT, attributes }, this.parent)
  }

  /**
   * The trace context (`traceparent`, `tracestate`, and whatever else the app's propagator
   * writes) of this span, or of the active context without a tracer, as names and values in
   * turn: `[name1, value1, …]`.
   * @returns {string[]}
   */
  traceHeaders () {
    const list = []
    const context = this.span === null ? this.parent : api.trace.setSpan(this.parent, this.span)
    try {
      api.propagation.inject(context, list, INTO_LIST)
    } catch (error) {
      // A propagator that throws (outside a CompositePropagator, which catches) does not fail
      // the request, nor leave its span open: the request goes without trace context, and the
      // app's diagnostic logger hears of it, as OpenTelemetry's own propagators report.
      api.diag.error('aem-headless-rs: the propagator threw while injecting the trace context; the request goes without it', error)
      return []
    }
    return list
  }

  /**
   * Ends the span and records the duration: one measurement per call that sent requests (not
   * for a cache hit, nor for a call another call's request answered), from its start to its
   * answer, retries and the waits between them included.
   * @param {{status?: number, attempts?: number, cached?: boolean, coalesced?: boolean, httpVersion?: string | null, stale?: string}} outcome
   * @param {import('./errors').AEMHeadlessError} [error]
   */
  end ({ status, attempts, cached, coalesced, httpVersion, stale }, error = undefined) {
    const errorType = error === undefined ? (status >= 400 ? String(status) : undefined) : errorTypeOf(error, status)
    const span = this.span
    if (span !== null) {
      if (status !== undefined) span.setAttribute('http.response.status_code', status)
      if (httpVersion) span.setAttribute('network.protocol.version', httpVersion)
      // Every request sent before the last, for any reason: retries and a 401's.
      const resends = this.sentBefore + (attempts > 1 ? attempts - 1 : 0)
      if (resends > 0) span.setAttribute('http.request.resend_count', resends)
      if (cached !== undefined) span.setAttribute('aem.cache.hit', cached)
      if (stale !== undefined) span.setAttribute('aem.cache.stale', stale)
      if (errorType !== undefined) {
        span.setAttribute('error.type', errorType)
        // No description when the status code says why (the conventions).
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: error === undefined || status >= 400 ? undefined : error.code })
      }
      span.end()
    }
    if (this.durations !== null && cached !== true && coalesced !== true) {
      const target = this.target
      const attributes = {
        'http.request.method': this.method,
        'server.address': target.address,
        'server.port': target.port,
        'url.scheme': target.scheme
      }
      if (status !== undefined) attributes['http.response.status_code'] = status
      if (httpVersion) attributes['network.protocol.version'] = httpVersion
      if (errorType !== undefined) attributes['error.type'] = errorType
      this.durations.record((performance.now() - this.startedAt) / 1000, attributes, this.parent)
    }
  }
}

/**
 * `error.type` as the conventions want it: the status for an HTTP error, `timeout`, or the
 * error code (a low-cardinality identifier) when no status came.
 */
function errorTypeOf (error, status) {
  if (status !== undefined && status >= 400) return String(status)
  const details = error.sdkDetails || {}
  if (details.timeout === true) return 'timeout'
  return error.code || 'Error'
}

module.exports = { startHttpSpan, targetOf, sdkRegistered }
