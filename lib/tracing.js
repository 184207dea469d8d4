'use strict'

// Tracing of AEM requests and token fetches, for two kinds of listener:
// - Node's `diagnostics_channel`: the TracingChannels `aem-headless-rs:request` and
//   `aem-headless-rs:token` publish `start`, `end`, `asyncStart`, `asyncEnd` and `error` with a
//   context object that grows as the call goes;
// - OpenTelemetry (lib/otel.js): CLIENT spans, the W3C trace context on the wire and the
//   `http.client.request.duration` metric, when the app has registered an SDK.
// When nobody listens, no trace object is made and nothing is published.
//
// Contexts and attributes are built field by field: no header, body, token or secret is ever put
// in one.

const diagnostics = require('node:diagnostics_channel')
const { startHttpSpan, targetOf, sdkRegistered } = require('./otel')
const { redactUrl } = require('../binding.js')

/** The channel around every AEM request. */
const requestChannel = diagnostics.tracingChannel('aem-headless-rs:request')
/** The channel around every token fetch or refresh of a `TokenProvider`. */
const tokenChannel = diagnostics.tracingChannel('aem-headless-rs:token')


/**
 * Whether anyone listens to one of the channel's events (`TracingChannel#hasSubscribers` is
 * not in every Node 20).
 */
function subscribed (channel) {
  return channel.start.hasSubscribers || channel.end.hasSubscribers || channel.asyncStart.hasSubscribers ||
    channel.asyncEnd.hasSubscribers || channel.error.hasSubscribers
}

/**
 * What a client's OpenTelemetry spans need to know of where its requests go, or null with
 * `tracing: false`.
 * @param {boolean | undefined} tracing the `tracing` option
 * @param {string} url the service URL, or IMS's token URL
 */
function tracingTarget (tracing, url) {
  return tracing === false ? null : targetOf(url)
}

/**
 * One AEM request as its listeners see it. The channel's `context` is
 * `{operation, method, url, persistedQuery}`, then `status`, `attempts`, `cached` and `stale` once an
 * answer came, or `error` (an `AEMHeadlessError`), `status` and `attempts` on failure; the
 * channel adds `result` (the parsed response).
 */
class RequestTrace {
  constructor (context, http) {
    this.context = context
    this.http = http
  }

  /** Runs `send` (which resolves with the response) under the channel. */
  run (send) {
    return this.context === null ? send() : requestChannel.tracePromise(send, this.context)
  }

  /** The request's trace context headers, names and values in turn (none without a span). */
  traceHeaders () {
    return this.http === null ? [] : this.http.traceHeaders()
  }

  /** How the native side answered: `{status, attempts, cached, httpVersion, stale}` (lib/outcome.js). */
  answered (answer) {
    const context = this.context
    if (context !== null) {
      context.status = answer.status
      context.attempts = answer.attempts
      context.cached = answer.cached
      if (answer.stale !== undefined) context.stale = answer.stale
    }
    if (this.http !== null) this.http.end(answer)
  }

  /** The call failed with `error`, an `AEMHeadlessError`. */
  failed (error) {
    endFailed(this, error)
  }
}

/**
 * The trace of one AEM request, or null when nobody listens.
 * @param {{method: string, operation?: string, persistedQuery?: string}} call
 * @param {string} serviceURL the AEM host, with its trailing `/` and without user info
 * @param {string} endpoint the path after it
 * @param {{scheme: string, address: string, port: number} | null} target the client's, from tracingTarget
 * @param {number} sentBefore requests this call sent before this one (after a 401)
 * @returns {RequestTrace | null}
 */
function requestTrace (call, serviceURL, endpoint, target, sentBefore) {
  const channel = subscribed(requestChannel)
  const sdk = target !== null && sdkRegistered()
  if (!channel && !sdk) return null
  // The one redaction of URLs (src/http/redact.rs): user info, signatures and credentials.
  const url = redactUrl(serviceURL + endpoint)
  const http = sdk ? startHttpSpan(target, call.method, url, call.persistedQuery, sentBefore) : null
  const context = channel ? { operation: call.operation, method: call.method, url, persistedQuery: call.persistedQuery } : null
  return new RequestTrace(context, http)
}

/**
 * One token fetch or refresh as its listeners see it. The channel's context is `{source}`
 * (`store`, `ims` or `dev-token`), with `url` for IMS, then `tokenType` and `expiresAt` (epoch
 * ms), `status` and `attempts` of IMS's answer, or `error`, and `keptValidToken` when a failed
 * refresh fell back on the token still valid. The channel's `result` is always undefined: the
 * token is never put in a context. An IMS exchange is also an OpenTelemetry CLIENT span.
 */
class TokenTrace {
  constructor (context) {
    this.context = context
    this.http = null
  }

  /** Runs `refresh` (which resolves with the token) under the channel; resolves with the token. */
  async run (refresh) {
    if (this.context === null) return refresh()
    let token
    await tokenChannel.tracePromise(async () => { token = await refresh() }, this.context)
    return token
  }

  /** The token comes from the shared store. */
  fromStore (expiresAt) {
    if (this.context === null) return
    this.context.source = 'store'
    this.context.expiresAt = expiresAt
  }

  /**
   * A token is asked of the native provider: IMS for `service` and `oauth` credentials, the
   * development token itself for `dev`. Returns the trace context for IMS's request, header
   * names and values in turn, or undefined.
   * @param {string} kind the credentials' kind
   * @param {string | null} url the IMS token URL
   * @param {{scheme: string, address: string, port: number} | null} target from tracingTarget, or
   *   null when no exchange is due or tracing is off
   * @returns {string[] | undefined}
   */
  exchanging (kind, url, target) {
    const context = this.context
    if (context !== null) {
      context.source = kind === 'dev' ? 'dev-token' : 'ims'
      if (kind !== 'dev' && url !== null) context.url = redactUrl(url)
    }
    if (kind === 'dev' || target === null || url === null) return undefined
    this.http = startHttpSpan(target, 'POST', redactUrl(url), undefined, 0)
    return this.http === null ? undefined : this.http.traceHeaders()
  }

  /**
   * The provider gave a token of `tokenType` expiring at `expiresAt`; `exchange` says how IMS
   * answered, when this fetch went to IMS.
   * @param {{status: number, attempts: number, httpVersion?: string} | null | undefined} exchange
   */
  obtained (tokenType, expiresAt, exchange) {
    const context = this.context
    if (context !== null) {
      context.tokenType = tokenType
      context.expiresAt = expiresAt
      if (exchange) {
        context.status = exchange.status
        context.attempts = exchange.attempts
      }
    }
    if (this.http !== null) this.http.end(exchange || {})
  }

  /** The fetch failed with `error`; `keptValidToken` when the old token is returned instead. */
  failed (error, keptValidToken) {
    if (this.context !== null) this.context.keptValidToken = keptValidToken
    endFailed(this, error)
  }
}

/**
 * The trace of one token fetch, or null when nobody listens: no channel subscriber, and no
 * OpenTelemetry span possible (`tracing: false`, or no SDK registered).
 * @param {boolean} tracing whether OpenTelemetry is allowed for this provider
 */
function tokenTrace (tracing) {
  const channel = subscribed(tokenChannel)
  if (!channel && !(tracing && sdkRegistered())) return null
  return new TokenTrace(channel ? { source: undefined } : null)
}

/**
 * A request's or token fetch's failure with `error` (an `AEMHeadlessError`): its status,
 * attempts and the error go in the channel's context, and the span and measurement end.
 * @param {{context: object | null, http: {end(outcome: object, error: Error): void} | null}} trace
 */
function endFailed (trace, error) {
  const { status, attempts } = error.sdkDetails || {}
  const context = trace.context
  if (context !== null) {
    if (status !== undefined) context.status = status
    if (attempts !== undefined) context.attempts = attempts
    context.error = error
  }
  if (trace.http !== null) trace.http.end({ status, attempts }, error)
}

module.exports = { requestTrace, tokenTrace, tracingTarget }
