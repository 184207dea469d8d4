'use strict'

// Tracing of AEM requests and token fetches through Node's `diagnostics_channel`: the
// TracingChannels `aem-headless-rs:request` and `aem-headless-rs:token` publish `start`, `end`,
// `asyncStart`, `asyncEnd` and `error` with a context object that grows as the call goes. When
// nobody subscribes, no trace object is made and nothing is published.
//
// Contexts are built field by field: no header, body, token or secret is ever put in one.

const diagnostics = require('node:diagnostics_channel')

/** The channel around every AEM request. */
const requestChannel = diagnostics.tracingChannel('aem-headless-rs:request')
/** The channel around every token fetch or refresh of a `TokenProvider`. */
const tokenChannel = diagnostics.tracingChannel('aem-headless-rs:token')

/** Query parameters the HTTP semantic conventions redact from URLs (signatures, keys). */
const REDACTED_QUERY_KEYS = new Set(['AWSAccessKeyId', 'Signature', 'sig', 'X-Goog-Signature'])

/**
 * Whether anyone listens to one of the channel's events (`TracingChannel#hasSubscribers` is
 * not in every Node 20).
 */
function subscribed (channel) {
  return channel.start.hasSubscribers || channel.end.hasSubscribers || channel.asyncStart.hasSubscribers ||
    channel.asyncEnd.hasSubscribers || channel.error.hasSubscribers
}

/**
 * One AEM request as the channel sees it. Its `context` is what subscribers receive:
 * `{operation, method, url, persistedQuery}`, then `status`, `attempts` and `cached` once an
 * answer came, or `error` (an `AEMHeadlessError`), `status` and `attempts` on failure; the
 * channel adds `result` (the parsed response).
 */
class RequestTrace {
  constructor (method, url, operation, persistedQuery) {
    this.context = { operation, method, url, persistedQuery }
  }

  /** Runs `send` (which resolves with the response) under the channel. */
  run (send) {
    return subscribed(requestChannel) ? requestChannel.tracePromise(send, this.context) : send()
  }

  /** The native side's answer: `{status, attempts, cached}`. */
  answered ({ status, attempts, cached }) {
    const context = this.context
    context.status = status
    context.attempts = attempts
    context.cached = cached
  }

  /** The call failed with `error`, an `AEMHeadlessError`. */
  failed (error) {
    const context = this.context
    const { status, attempts } = error.sdkDetails || {}
    if (status !== undefined) context.status = status
    if (attempts !== undefined) context.attempts = attempts
    context.error = error
  }
}

/**
 * The trace of one AEM request, or null when nobody listens.
 * @param {{method: string, operation?: string, persistedQuery?: string}} call
 * @param {string} serviceURL the AEM host, with its trailing `/` and without user info
 * @param {string} endpoint the path after it
 * @returns {RequestTrace | null}
 */
function requestTrace (call, serviceURL, endpoint) {
  if (!subscribed(requestChannel)) return null
  return new RequestTrace(call.method, safeUrl(serviceURL + endpoint), call.operation, call.persistedQuery)
}

/**
 * One token fetch or refresh as the channel sees it: `{source}` (`store`, `ims` or
 * `dev-token`), with `url` for IMS, then `tokenType` and `expiresAt` (epoch ms), or `error`, and
 * `keptValidToken` when a failed refresh fell back on the token still valid. The channel's
 * `result` is always undefined: the token is never put in a context.
 */
class TokenTrace {
  constructor () {
    this.context = { source: undefined }
  }

  /** Runs `refresh` (which resolves with the token) under the channel; resolves with the token. */
  async run (refresh) {
    if (!subscribed(tokenChannel)) return refresh()
    let token
    await tokenChannel.tracePromise(async () => { token = await refresh() }, this.context)
    return token
  }

  /** The token comes from the shared store. */
  fromStore (expiresAt) {
    this.context.source = 'store'
    this.context.expiresAt = expiresAt
  }

  /**
   * A token is asked of the native provider: IMS for `service` and `oauth` credentials, the
   * development token itself for `dev`.
   * @param {string} kind the credentials' kind
   * @param {string | null} url the IMS token URL
   */
  exchanging (kind, url) {
    if (kind === 'dev') {
      this.context.source = 'dev-token'
    } else {
      this.context.source = 'ims'
      if (url !== null) this.context.url = url
    }
  }

  /** The provider gave a token of `tokenType` expiring at `expiresAt`. */
  obtained (tokenType, expiresAt) {
    this.context.tokenType = tokenType
    this.context.expiresAt = expiresAt
  }

  /** The fetch failed with `error`; `keptValidToken` when the old token is returned instead. */
  failed (error, keptValidToken) {
    const context = this.context
    const { status, attempts } = error.sdkDetails || {}
    if (status !== undefined) context.status = status
    if (attempts !== undefined) context.attempts = attempts
    context.error = error
    context.keptValidToken = keptValidToken
  }
}

/** The trace of one token fetch, or null when nobody listens. */
function tokenTrace () {
  return subscribed(tokenChannel) ? new TokenTrace() : null
}

/**
 * `url` with the query values the HTTP semantic conventions redact replaced by `REDACTED`.
 * URLs here never hold user info: the native client refuses a serviceURL with it.
 */
function safeUrl (url) {
  const question = url.indexOf('?')
  if (question < 0) return url
  const hash = url.indexOf('#', question)
  const query = url.slice(question + 1, hash < 0 ? undefined : hash)
  const redacted = query.split('&').map((pair) => {
    const eq = pair.indexOf('=')
    return eq > 0 && REDACTED_QUERY_KEYS.has(pair.slice(0, eq)) ? `${pair.slice(0, eq)}=REDACTED` : pair
  }).join('&')
  return `${url.slice(0, question)}?${redacted}${hash < 0 ? '' : url.slice(hash)}`
}

module.exports = { requestTrace, tokenTrace, safeUrl, requestChannel, tokenChannel }
