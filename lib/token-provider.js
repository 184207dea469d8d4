'use strict'

const native = require('../binding.js')
const { sdkError, fromNative } = require('./errors')
const { loadCredentials } = require('./credentials')
const { resolveLogger, round } = require('./logger')
const { tokenTrace, tracingTarget } = require('./tracing')

/** How long a store may take to answer before it is bypassed. */
const STORE_TIMEOUT_MS = 1000
/** The method that gives a cached token synchronously, for `AEMHeadless`'s requests. */
const FRESH_TOKEN = Symbol('freshToken')
const DAY_MS = 24 * 60 * 60 * 1000

/**
 * An access token that manages itself, for service credentials, OAuth Server-to-Server
 * credentials or a development token: cached, refreshed ahead of expiry, fetched once however
 * many callers ask at the same time, and kept when a refresh fails while it is still valid.
 *
 * A cached token is returned without leaving JavaScript. With a `store`, processes share one
 * token: a provider looks in the store before it asks IMS, and puts what IMS gave it there.
 */
class TokenProvider {
  #credentials
  #options
  #native = null
  #identity = null
  #cached = null
  #pending = null
  #invalidated = null
  #generation = 0
  #log = null
  /** The credentials' kind (`service`, `oauth` or `dev`), once loaded. */
  #kind = null
  /** Whether OpenTelemetry may see the token requests (the `tracing` option). */
  #tracing = true
  /** IMS's token URL, and where it is for OpenTelemetry, once loaded. */
  #tokenUrl = null
  #imsTarget = null

  /**
   * @param {string | object | import('../binding').LoadedCredentials} credentials a file path, the parsed JSON, or loadCredentials' result
   * @param {{passphrase?: string, imsEndpoint?: string, ca?: string, refreshRatio?: number,
   *   refreshMarginMs?: number, store?: {get(key: string): Promise<string | null | undefined>,
   *   set(key: string, value: string, ttlMs: number): Promise<void>}, storeKey?: string,
   *   storeTimeoutMs?: number, logger?: false | ((event: object) => void) | object,
   *   tracing?: boolean}} [options]
   */
  constructor (credentials, options = {}) {
    if (credentials === undefined || credentials === null) {
      throw sdkError('INVALID_PARAM', 'TokenProvider needs credentials: a file path, a credentials object or loaded credentials')
    }
    if (options === null || typeof options !== 'object') throw sdkError('INVALID_PARAM', 'options must be an object')
    const { store, refreshRatio, refreshMarginMs, storeTimeoutMs } = options
    if (store !== undefined && (store === null || typeof store.get !== 'function' || typeof store.set !== 'function')) {
      throw sdkError('INVALID_PARAM', 'store must have async get(key) and set(key, value, ttlMs)')
    }
    if (refreshRatio !== undefined && !(typeof refreshRatio === 'number' && refreshRatio >= 0 && refreshRatio <= 1)) {
      throw sdkError('INVALID_PARAM', 'refreshRatio must be a number from 0 to 1')
    }
    if (refreshMarginMs !== undefined && !(Number.isFinite(refreshMarginMs) && refreshMarginMs >= 0 && refreshMarginMs <= DAY_MS)) {
      throw sdkError('INVALID_PARAM', 'refreshMarginMs must be a number of milliseconds from 0 to 86400000')
    }
    if (storeTimeoutMs !== undefined && !(Number.isFinite(storeTimeoutMs) && storeTimeoutMs > 0 && storeTimeoutMs <= 60000)) {
      throw sdkError('INVALID_PARAM', 'storeTimeoutMs must be a number of milliseconds from 1 to 60000')
    }
    this.#credentials = credentials
    this.#options = { ...options }
    this.#log = resolveLogger(options.logger)
    if (options.tracing !== undefined && typeof options.tracing !== 'boolean') {
      throw sdkError('INVALID_PARAM', 'tracing must be a boolean')
    }
    this.#tracing = options.tracing !== false
  }

  /**
   * A valid access token.
   * @returns {Promise<{accessToken: string, tokenType: string, expiresAt: number}>} `expiresAt` in epoch milliseconds
   */
  async getAccessToken () {
    const cached = this.#cached
    const now = Date.now()
    if (cached !== null && now < cached.refreshAt) return cached.view
    if (this.#pending === null) {
      const trace = tokenTrace(this.#tracing)
      const refresh = trace === null ? this.#refresh(null) : trace.run(() => this.#refresh(trace))
      this.#pending = refresh.finally(() => { this.#pending = null })
    }
    if (cached !== null && now < cached.expiresAt) {
      this.#pending.catch(() => {})
      return cached.view
    }
    return this.#pending
  }

  /**
   * The cached access token while no refresh is due, else null: what `getAccessToken` would
   * resolve with at once, without a promise or a timer.
   * @returns {string | null}
   */
  [FRESH_TOKEN] () {
    const cached = this.#cached
    return cached !== null && Date.now() < cached.refreshAt ? cached.view.accessToken : null
  }

  /**
   * Forgets the cached token, so that the next call gets a new one. With `accessToken`, only if
   * that is still the cached token (a late 401 does not throw away a fresh token).
   * @param {string} [accessToken]
   */
  invalidate (accessToken = undefined) {
    const cached = this.#cached
    if (accessToken !== undefined && (cached === null || cached.view.accessToken !== accessToken)) return
    this.#invalidated = accessToken ?? (cached && cached.view.accessToken)
    this.#cached = null
    // A refresh under way may still bring the invalidated token back: start afresh.
    this.#generation++
    this.#pending = null
    if (this.#native !== null) this.#native.invalidate(accessToken)
  }

  /** Gets a token from the store or the native provider; `trace` follows it (lib/tracing.js). */
  async #refresh (trace) {
    const generation = this.#generation
    const provider = await this.#provider()
    const store = this.#options.store
    const key = this.#options.storeKey || this.#identity
    const timeoutMs = this.#options.storeTimeoutMs || STORE_TIMEOUT_MS
    if (store) {
      const shared = parseStored(await callStore(() => store.get(key), timeoutMs))
      if (shared && shared.view.accessToken !== this.#invalidated && Date.now() < shared.refreshAt) {
        if (this.#log !== null) this.#log('info', { event: 'token', source: 'store', expiresAt: shared.expiresAt })
        if (trace !== null) trace.fromStore(shared.expiresAt)
        if (generation === this.#generation) this.#cached = shared
        return shared.view
      }
    }
    let token
    const startedAt = performance.now()
    // The trace context goes to IMS only when this call is the one that asks it.
    const headers = trace === null
      ? undefined
      : trace.exchanging(this.#kind, this.#tokenUrl, this.#tracing && provider.needsRefresh() ? this.#imsTarget : null)
    try {
      token = await provider.getAccessToken(headers)
    } catch (error) {
      const failure = fromNative(error)
      const old = this.#cached
      const keepsOld = old !== null && Date.now() < old.expiresAt
      if (this.#log !== null) this.#log('warn', { event: 'token', source: 'refresh', durationMs: round(performance.now() - startedAt), code: failure.code, message: failure.message, keepsValidToken: keepsOld })
      if (trace !== null) trace.failed(failure, keepsOld)
      if (keepsOld) return old.view
      throw failure
    }
    const entry = entryOf(token)
    if (trace !== null) trace.obtained(entry.view.tokenType, entry.expiresAt, token.exchange)
    if (this.#log !== null) this.#log('info', { event: 'token', source: 'refresh', durationMs: round(performance.now() - startedAt), tokenType: entry.view.tokenType, expiresAt: entry.expiresAt })
    // The native provider answers with the old token while its refresh pauses after a failure:
    // that is returned, but neither cached as fresh nor written to the store.
    const fresh = Date.now() < entry.refreshAt && entry.view.accessToken !== this.#invalidated
    if (fresh && generation === this.#generation) {
      this.#cached = entry
      if (store) {
        const ttl = Math.ceil(entry.expiresAt - Date.now())
        const value = JSON.stringify({ ...entry.view, refreshAt: entry.refreshAt })
        if (ttl > 0) callStore(() => store.set(key, value, ttl), timeoutMs)
      }
    }
    return entry.view
  }

  async #provider () {
    if (this.#native === null) {
      const { passphrase, imsEndpoint, allowInsecureHttp, ca, proxy, refreshRatio, refreshMarginMs } = this.#options
      const loaded = await loadCredentials(this.#credentials, { passphrase, imsEndpoint, allowInsecureHttp })
      try {
        this.#native = new native.NativeTokenProvider(loaded, { ca, proxy, refreshRatio, refreshMarginMs })
      } catch (error) {
        throw fromNative(error)
      }
      this.#identity = `aem-headless-rs|${loaded.identity}`
      this.#kind = loaded.kind
      this.#tokenUrl = this.#native.tokenUrl
      this.#imsTarget = this.#tokenUrl === null ? null : tracingTarget(this.#tracing, this.#tokenUrl)
    }
    return this.#native
  }
}

/** A cache entry: the public view, and when to refresh and when it expires. */
function entryOf ({ accessToken, tokenType, expiresAt, refreshAt }) {
  return { view: Object.freeze({ accessToken, tokenType, expiresAt }), refreshAt, expiresAt }
}

/** A stored entry, if it is one this package wrote and plausible (expiring within 25 h). */
function parseStored (text) {
  if (typeof text !== 'string') return null
  try {
    const value = JSON.parse(text)
    const latest = Date.now() + 25 * 60 * 60 * 1000
    if (typeof value.accessToken !== 'string' || typeof value.tokenType !== 'string') return null
    if (!(Number.isFinite(value.expiresAt) && value.expiresAt <= latest && Number.isFinite(value.refreshAt) && value.refreshAt <= value.expiresAt)) return null
    return entryOf(value)
  } catch {
    return null
  }
}

/**
 * Runs a store operation. A store that fails or does not answer within `timeoutMs` is
 * bypassed: the provider then asks IMS itself and keeps its token in memory, so an outage of the
 * store never stops requests.
 */
async function callStore (operation, timeoutMs) {
  let timer
  try {
    return await Promise.race([
      operation(),
      new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs, undefined) })
    ])
  } catch {
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

module.exports = { TokenProvider, FRESH_TOKEN }
