'use strict'

const native = require('../binding.js')
const { sdkError, fromNative } = require('./errors')
const { loadCredentials, credentialsOptions } = require('./credentials')
const { resolveLogger, round } = require('./logger')
const { tokenTrace, tracingTarget } = require('./tracing')
const { transportFor } = require('./fetch-transport')
const { tracingOption } = require('./options')
const { trustFor } = require('./tls')

/** How long a store may take to answer before it is bypassed. */
const STORE_TIMEOUT_MS = 1000
/**
 * How long a refresh lease lasts: a holder that dies or hangs is overtaken once it ends. It is
 * also the longest a provider without a valid token waits for another process's refresh.
 */
const LEASE_MS = 10000
/** How often a provider waiting for another process's refresh looks in the store again. */
const LEASE_POLL_MS = 100
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
 * With a store that has `lease`, one process refreshes and the others keep their valid token,
 * then pick the new one up from the store; without a valid token they wait for the lease
 * holder (at most `leaseMs`). A store without `lease` still works: each process then takes a
 * random share of the refresh margin off the stored refresh time, so they do not all ask IMS
 * at the same moment.
 */
class TokenProvider {
  #credentials
  #options
  /** The `fetch` transport IMS is called through, or undefined for the native client. */
  #transport
  /** The TLS trust of the IMS calls (lib/tls.js). */
  #trust
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
   * @param {{passphrase?: string, imsEndpoint?: string, ca?: string | Buffer | Array<string | Buffer>, refreshRatio?: number,
   *   refreshMarginMs?: number, store?: {get(key: string): Promise<string | null | undefined>,
   *   set(key: string, value: string, ttlMs: number): Promise<void>,
   *   lease?(key: string, ttlMs: number): Promise<(() => Promise<void>) | null>}, storeKey?: string,
   *   storeTimeoutMs?: number, leaseMs?: number, logger?: false | ((event: object) => void) | object,
   *   tracing?: boolean, fetch?: Function, transport?: 'native' | 'fetch'}} [options] `fetch` and
   *   `transport` choose how IMS is called, as AEMHeadless's options of the same names do
   */
  constructor (credentials, options = {}) {
    if (credentials === undefined || credentials === null) {
      throw sdkError('INVALID_PARAM', 'TokenProvider needs credentials: a file path, a credentials object or loaded credentials')
    }
    if (options === null || typeof options !== 'object') throw sdkError('INVALID_PARAM', 'options must be an object')
    const checked = credentialsOptions(options)
    const { store, refreshRatio, refreshMarginMs, storeTimeoutMs, leaseMs } = options
    if (store !== undefined && (store === null || typeof store.get !== 'function' || typeof store.set !== 'function')) {
      throw sdkError('INVALID_PARAM', 'store must have async get(key) and set(key, value, ttlMs)')
    }
    if (store !== undefined && store.lease !== undefined && typeof store.lease !== 'function') {
      throw sdkError('INVALID_PARAM', 'store.lease must be a function: lease(key, ttlMs) resolving with a release function, or null while another process holds it')
    }
    if (leaseMs !== undefined && !(Number.isFinite(leaseMs) && leaseMs >= 100 && leaseMs <= 300000)) {
      throw sdkError('INVALID_PARAM', 'leaseMs must be a number of milliseconds from 100 to 300000')
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
    this.#options = { ...options, ca: checked && checked.ca }
    // Trust as Node's inputs say it now, when the provider is built (see lib/tls.js).
    this.#trust = trustFor(checked && checked.ca)
    this.#transport = transportFor(options, 'options.')
    this.#log = resolveLogger(options.logger)
    this.#tracing = tracingOption(options, 'options.')
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
      // Only this refresh is cleared when it settles: after invalidate() a newer one may be
      // pending, and clearing that would start a third.
      const pending = refresh.finally(() => {
        if (this.#pending === pending) this.#pending = null
      })
      this.#pending = pending
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
    if (!store) return this.#exchange(provider, generation, trace, null)
    const key = this.#options.storeKey || this.#identity
    const timeoutMs = this.#options.storeTimeoutMs || STORE_TIMEOUT_MS
    const shared = await this.#fromStore(key, timeoutMs, generation, trace)
    if (shared !== null) return shared
    if (typeof store.lease !== 'function') return this.#exchange(provider, generation, trace, { key, timeoutMs, release: null })
    const leaseMs = this.#options.leaseMs || LEASE_MS
    // Long enough for a holder that died to be overtaken once its lease ends.
    const waitUntil = Date.now() + 2 * leaseMs
    for (;;) {
      const release = await callStore(() => store.lease(`${key}:lease`, leaseMs), timeoutMs)
      // A store that fails or does not answer is bypassed: this process asks IMS itself.
      if (typeof release !== 'function' && release !== null) return this.#exchange(provider, generation, trace, { key, timeoutMs, release: null })
      if (typeof release === 'function') {
        // The holder looks once more: another may have stored a token just before.
        const stored = await this.#fromStore(key, timeoutMs, generation, trace)
        if (stored !== null) {
          callStore(release, timeoutMs)
          return stored
        }
        return this.#exchange(provider, generation, trace, { key, timeoutMs, release })
      }
      // Another process is refreshing: keep a valid token meanwhile, and look again soon.
      const old = this.#cached
      if (old !== null && Date.now() < old.expiresAt) {
        if (generation === this.#generation) this.#cached = { ...old, refreshAt: Math.min(old.expiresAt, Date.now() + LEASE_POLL_MS) }
        return old.view
      }
      if (Date.now() >= waitUntil) return this.#exchange(provider, generation, trace, { key, timeoutMs, release: null })
      await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS))
      const stored = await this.#fromStore(key, timeoutMs, generation, trace)
      if (stored !== null) return stored
    }
  }

  /**
   * The store's token, cached here, if it is one to use now (not invalidated, not due for a
   * refresh); else null. Without `lease`, the refresh time is this process's own: a random
   * share of the margin earlier, so that processes do not all ask IMS at once.
   */
  async #fromStore (key, timeoutMs, generation, trace) {
    const store = this.#options.store
    const shared = parseStored(await callStore(() => store.get(key), timeoutMs))
    if (shared === null || shared.view.accessToken === this.#invalidated || Date.now() >= shared.refreshAt) return null
    if (typeof store.lease !== 'function') shared.refreshAt = jittered(shared)
    if (this.#log !== null) this.#log('info', { event: 'token', source: 'store', expiresAt: shared.expiresAt })
    if (trace !== null) trace.fromStore(shared.expiresAt)
    if (generation === this.#generation) this.#cached = shared
    return shared.view
  }

  /**
   * Asks IMS (through the native provider), caches the token and, with a store, puts it
   * there and gives the lease back.
   */
  async #exchange (provider, generation, trace, shared) {
    let token
    const startedAt = performance.now()
    // The trace context goes to IMS only when this call is the one that asks it.
    const traceHeaders = trace === null
      ? undefined
      : trace.exchanging(this.#kind, this.#tokenUrl, this.#tracing && provider.needsRefresh() ? this.#imsTarget : null)
    try {
      token = await provider.getAccessToken(traceHeaders)
    } catch (error) {
      if (shared && shared.release) callStore(shared.release, shared.timeoutMs)
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
    const store = this.#options.store
    if (fresh && generation === this.#generation) {
      const previous = this.#cached
      // A new token gets this process's own refresh time when the store has no lease; the
      // same one (the native provider's, not yet due) keeps the native refresh time.
      if (store && typeof store.lease !== 'function' && !(previous && previous.view.accessToken === entry.view.accessToken)) entry.refreshAt = jittered(entry)
      this.#cached = entry
    }
    if (fresh && shared) {
      const ttl = Math.ceil(entry.expiresAt - Date.now())
      const value = JSON.stringify({ ...entry.view, refreshAt: token.refreshAt })
      // With a lease, the token is in the store before the lease is given back.
      const stored = ttl > 0 ? callStore(() => store.set(shared.key, value, ttl), shared.timeoutMs) : undefined
      if (shared.release) {
        await stored
        await callStore(shared.release, shared.timeoutMs)
      }
    } else if (shared && shared.release) {
      await callStore(shared.release, shared.timeoutMs)
    }
    return entry.view
  }

  async #provider () {
    if (this.#native === null) {
      const { passphrase, imsEndpoint, allowInsecureHttp, proxy, refreshRatio, refreshMarginMs } = this.#options
      const loaded = await loadCredentials(this.#credentials, { passphrase, imsEndpoint, allowInsecureHttp })
      try {
        this.#native = new native.NativeTokenProvider(loaded, { trust: this.#trust, proxy, refreshRatio, refreshMarginMs }, this.#transport)
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

/**
 * A refresh time up to half the refresh margin (the time between refresh and expiry) earlier
 * than the entry's, at random: processes sharing a store without a lease refresh one by one,
 * and those after the first find its token in the store.
 */
function jittered ({ refreshAt, expiresAt }) {
  const margin = Math.max(0, expiresAt - refreshAt)
  return refreshAt - Math.floor(Math.random() * margin / 2)
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
