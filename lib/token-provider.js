'use strict'

const native = require('../binding.js')
const { sdkError, fromNative } = require('./errors')
const { loadCredentials, credentialsOptions } = require('./credentials')
const { resolveLogger, round } = require('./logger')
const { tokenTrace, tracingTarget } = require('./tracing')
const { routeFor, fetchTokenThrough } = require('./fetch-transport')
const { tracingOption } = require('./options')
const { trustFor } = require('./tls')
const { SharedToken, BUSY } = require('./shared-token')

/** How long a store may take to answer before it is bypassed. */
const STORE_TIMEOUT_MS = 1000
/**
 * How long a refresh lease lasts. The holder's exchange at IMS, retries included, is bounded by
 * LEASE_EXCHANGE_SHARE of it less the store calls made under it, so the lease outlives the
 * holder's work; a holder that dies is overtaken once the lease ends.
 */
const LEASE_MS = 40000
const LEASE_EXCHANGE_SHARE = 0.75
/** The least time a leased exchange is given, however short the lease. */
const MIN_LEASED_EXCHANGE_MS = 500
/** The longest an exchange at IMS may take, retries included (the core's default). */
const IMS_TIMEOUT_MS = 30000
/** How often a provider without a valid token looks for the lease holder's token. */
const LEASE_POLL_MS = 250
/** How long a provider with a valid token waits before looking again while another process holds the lease. */
const LEASE_CHECK_MS = 1000
/** The pause after a failed refresh while the token is still valid; it doubles with each failure. */
const FAILED_REFRESH_PAUSE_MS = 5000
const MAX_FAILED_REFRESH_PAUSE_MS = 5 * 60 * 1000
const DEFAULT_MARGIN_MS = 5 * 60 * 1000
/** The method that gives a cached token synchronously, for `AEMHeadless`'s requests. */
const FRESH_TOKEN = Symbol('freshToken')
const DAY_MS = 24 * 60 * 60 * 1000

/**
 * An access token that manages itself, for service credentials, OAuth Server-to-Server
 * credentials or a development token: the one owner of the token's life (see
 * docs/TOKEN-LIFE.md). It caches the token, refreshes it ahead of expiry, fetches it once however
 * many callers ask at the same time, pauses with a jittered, growing backoff after a failed
 * refresh while the token is still valid (serving that token meanwhile, with no call to IMS or
 * the store), and forgets it on `invalidate`. The native side only fetches: one exchange at IMS
 * (or the development token) per refresh, with no state of its own.
 *
 * A cached token is returned without leaving JavaScript. With a `store`, processes share one
 * token through lib/shared-token.js: a provider looks there before it asks IMS, and puts what
 * IMS gave it there. With a store that has `lease`, one process refreshes and the others keep
 * their valid token, looking again about once a second; without a valid token they wait for the
 * holder (at most twice `leaseMs`). A store without `lease` still works: each process refreshes
 * at a random point of the first half of the refresh margin, so the first to refresh puts its
 * token in the store and the others take it from there.
 */
class TokenProvider {
  #credentials
  #options
  /** When to refresh: `{ratio, marginMs}`. */
  #policy
  #leaseMs
  #storeTimeoutMs
  /** How IMS is called (lib/fetch-transport.js, `routeFor`): natively or through a fetch. */
  #route
  /** The TLS trust of the IMS calls (lib/tls.js). */
  #trust
  /** The loaded credentials, once loaded. */
  #loaded = null
  /** The store layer, once the credentials (and so the key) are known; null without a store. */
  #shared = null
  /** The cached entry: `{view: {accessToken, tokenType, expiresAt}, expiresAt, refreshAt}`. */
  #entry = null
  /** The refresh under way (single flight), or null. */
  #flight = null
  /** No refresh before this while the cached token is valid: after a failure, or while another process holds the lease. */
  #pausedUntil = 0
  /** Refreshes that failed in a row, for the backoff. */
  #failures = 0
  /** The token last invalidated: never taken back, from the store or anywhere. */
  #invalidated = null
  /** Bumped by `invalidate`: a refresh started before does not cache what it brings. */
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
   * @param {string | object} credentials a credentials file path, the parsed JSON (service,
   *   OAuth Server-to-Server or development token), or loadCredentials' result
   * @param {{passphrase?: string, imsEndpoint?: string, ca?: string | Buffer | Array<string | Buffer>, refreshRatio?: number,
   *   refreshMarginMs?: number, store?: {get(key: string): Promise<string | null | undefined>,
   *   set(key: string, value: string, ttlMs: number): Promise<void>,
   *   lease?(key: string, ttlMs: number): Promise<(() => Promise<void>) | null>}, storeKey?: string,
   *   storeTimeoutMs?: number, leaseMs?: number, logger?: false | ((event: object) => void) | object,
   *   tracing?: boolean, fetch?: Function, transport?: 'auto' | 'native' | 'fetch'}} [options] `fetch` and
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
    if (leaseMs !== undefined && !(Number.isFinite(leaseMs) && leaseMs >= 1000 && leaseMs <= 300000)) {
      throw sdkError('INVALID_PARAM', 'leaseMs must be a number of milliseconds from 1000 to 300000')
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
    this.#options = options
    this.#policy = { ratio: refreshRatio ?? 0.1, marginMs: refreshMarginMs ?? DEFAULT_MARGIN_MS }
    this.#leaseMs = leaseMs ?? LEASE_MS
    this.#storeTimeoutMs = storeTimeoutMs ?? STORE_TIMEOUT_MS
    // Trust as Node's inputs say it now, when the provider is built (see lib/tls.js).
    this.#trust = trustFor(checked && checked.ca)
    this.#route = routeFor(options, 'options.', { ca: checked && checked.ca, proxy: options.proxy })
    this.#log = resolveLogger(options.logger)
    this.#tracing = tracingOption(options, 'options.')
  }

  /**
   * A valid access token.
   * @returns {Promise<{accessToken: string, tokenType: string, expiresAt: number}>} `expiresAt` in epoch milliseconds
   */
  async getAccessToken () {
    const entry = this.#entry
    const now = Date.now()
    if (entry !== null && now < entry.refreshAt) return entry.view
    const valid = entry !== null && now < entry.expiresAt
    if (valid && now < this.#pausedUntil) return entry.view
    if (this.#flight === null) {
      const trace = tokenTrace(this.#tracing)
      const refresh = trace === null ? this.#refresh(null, valid) : trace.run(() => this.#refresh(trace, valid))
      // Only this refresh is cleared when it settles: after invalidate() a newer one may be
      // under way, and clearing that would start a third.
      const flight = refresh.finally(() => {
        if (this.#flight === flight) this.#flight = null
      })
      this.#flight = flight
    }
    if (valid) {
      this.#flight.catch(() => {})
      return entry.view
    }
    return this.#flight
  }

  /**
   * The credentials' client id once they are loaded (after the first `getAccessToken`), else
   * undefined; undefined for a development token. It is no secret: AEM's OpenAPI-based APIs take
   * it as `X-Api-Key`.
   * @returns {string | undefined}
   */
  get clientId () {
    return (this.#loaded !== null && this.#loaded.clientId) || undefined
  }

  /** The IMS organization of service credentials once loaded (`integration.org`); undefined for other credentials. */
  get orgId () {
    return (this.#loaded !== null && this.#loaded.orgId) || undefined
  }

  /**
   * Whom the token speaks for, once the credentials are loaded (IMS host, client id, account,
   * scopes; no secret), else undefined: the key of a shared token, and of answers a shared
   * response cache keeps.
   * @returns {string | undefined}
   */
  get identity () {
    return this.#loaded !== null ? this.#loaded.identity : undefined
  }

  /**
   * The cached access token while no refresh is due, else null: what `getAccessToken` would
   * resolve with at once, without a promise or a timer.
   * @returns {string | null}
   */
  [FRESH_TOKEN] () {
    const entry = this.#entry
    return entry !== null && Date.now() < entry.refreshAt ? entry.view.accessToken : null
  }

  /**
   * Forgets the cached token, so that the next call gets a new one at once (no pause). With
   * `accessToken`, only if that is still the cached token (a late 401 does not throw away a
   * fresh token).
   * @param {string} [accessToken]
   */
  invalidate (accessToken = undefined) {
    const entry = this.#entry
    if (accessToken !== undefined && (entry === null || entry.view.accessToken !== accessToken)) return
    this.#invalidated = accessToken ?? (entry && entry.view.accessToken)
    this.#entry = null
    this.#pausedUntil = 0
    this.#failures = 0
    // A refresh under way may still bring the invalidated token back: start afresh.
    this.#generation++
    this.#flight = null
  }

  /**
   * One refresh: the store's token when another process has put a newer one there, else an
   * exchange at IMS, by the lease holder only when the store has a lease. `holdingValid` says
   * whether a valid token is being served meanwhile. `trace` follows it (lib/tracing.js).
   */
  async #refresh (trace, holdingValid) {
    const generation = this.#generation
    const loaded = await this.#load()
    const shared = this.#shared
    if (shared === null) return this.#exchange(loaded, trace, generation, holdingValid, null, false)
    const stored = this.#adopt(await shared.read(), trace, generation)
    if (stored !== null) return stored
    if (!shared.leases) return this.#exchange(loaded, trace, generation, holdingValid, shared, false)
    // Without a valid token, wait for the holder's token at most this long, then ask IMS anyway.
    const waitUntil = Date.now() + 2 * this.#leaseMs
    for (;;) {
      const release = await shared.lease(this.#leaseMs)
      if (release === null) return this.#exchange(loaded, trace, generation, holdingValid, shared, false)
      if (release !== BUSY) {
        try {
          // The holder looks once more: another may have stored a token just before.
          const again = this.#adopt(await shared.read(), trace, generation)
          if (again !== null) return again
          return await this.#exchange(loaded, trace, generation, holdingValid, shared, true)
        } finally {
          await shared.release(release)
        }
      }
      // Another process is refreshing. With a valid token, keep serving it, and look again in
      // about a second: no store call before then.
      const entry = this.#entry
      if (holdingValid && entry !== null && Date.now() < entry.expiresAt) {
        this.#pauseFor(entry, LEASE_CHECK_MS)
        return entry.view
      }
      if (Date.now() >= waitUntil) return this.#exchange(loaded, trace, generation, holdingValid, shared, false)
      await new Promise((resolve) => setTimeout(resolve, jitter(LEASE_POLL_MS)))
      const arrived = this.#adopt(await shared.read(), trace, generation)
      if (arrived !== null) return arrived
    }
  }

  /**
   * Takes the store's entry when it is one to use: not invalidated, not due for a refresh, and
   * not the token this provider holds (which, being due, is why it looks). Returns its view, or
   * null.
   */
  #adopt (stored, trace, generation) {
    const now = Date.now()
    if (stored === null || stored.view.accessToken === this.#invalidated || now >= stored.refreshAt) return null
    const held = this.#entry
    if (held !== null && held.view.accessToken === stored.view.accessToken) return null
    if (this.#log !== null) this.#log('info', { event: 'token', source: 'store', expiresAt: stored.expiresAt })
    if (trace !== null) trace.fromStore(stored.expiresAt)
    if (generation === this.#generation) this.#cache(stored)
    return stored.view
  }

  /**
   * Asks IMS (the native side's one fetch), caches the token and, with a store, puts it there.
   * While a valid token is served, one attempt and no retries: the pause after a failure is the
   * retry. Under a lease, the exchange is bounded by the lease's share, so the lease outlives it.
   */
  async #exchange (loaded, trace, generation, holdingValid, shared, leased) {
    const startedAt = performance.now()
    const obtainedAt = Date.now()
    // The trace context goes to IMS only when there is an IMS to ask (not a development token).
    const traceHeaders = trace === null ? undefined : trace.exchanging(this.#kind, this.#tokenUrl, this.#tokenUrl === null ? null : this.#imsTarget)
    const options = { trust: this.#trust, proxy: this.#options.proxy, trace: traceHeaders }
    if (holdingValid) options.retries = 0
    // Under a lease, the exchange and the store calls made under it end before the lease does.
    if (leased) options.timeoutMs = Math.min(IMS_TIMEOUT_MS, Math.max(MIN_LEASED_EXCHANGE_MS, Math.floor(this.#leaseMs * LEASE_EXCHANGE_SHARE) - 2 * this.#storeTimeoutMs))
    let token
    try {
      token = await fetchTokenThrough(loaded, options, this.#route)
    } catch (error) {
      const failure = fromNative(error)
      const old = this.#entry
      const keepsOld = old !== null && Date.now() < old.expiresAt
      if (keepsOld && generation === this.#generation) {
        this.#failures++
        this.#pauseFor(old, Math.min(MAX_FAILED_REFRESH_PAUSE_MS, FAILED_REFRESH_PAUSE_MS * 2 ** (this.#failures - 1)))
      }
      if (this.#log !== null) this.#log('warn', { event: 'token', source: 'refresh', durationMs: round(performance.now() - startedAt), code: failure.code, message: failure.message, keepsValidToken: keepsOld })
      if (trace !== null) trace.failed(failure, keepsOld)
      if (keepsOld) return old.view
      throw failure
    }
    const entry = entryOf(token, obtainedAt, this.#policy)
    if (trace !== null) trace.obtained(entry.view.tokenType, entry.expiresAt, token.exchange)
    if (this.#log !== null) this.#log('info', { event: 'token', source: 'refresh', durationMs: round(performance.now() - startedAt), tokenType: entry.view.tokenType, expiresAt: entry.expiresAt })
    if (entry.view.accessToken !== this.#invalidated) {
      if (generation === this.#generation) this.#cache(entry)
      // With a lease, the token is in the store before the lease is given back.
      if (shared !== null) await shared.write(entry)
    }
    return entry.view
  }

  /**
   * Caches an entry as this process's own. With a store that has no lease, its refresh time is
   * a random point of the first half of the margin: the first process to refresh puts its token
   * in the store, and the others find it there when their own time comes.
   */
  #cache (entry) {
    const shared = this.#shared
    const refreshAt = shared !== null && !shared.leases
      ? entry.refreshAt + Math.floor(Math.random() * (entry.expiresAt - entry.refreshAt) / 2)
      : entry.refreshAt
    this.#entry = { ...entry, refreshAt }
    this.#failures = 0
    this.#pausedUntil = 0
  }

  /** No refresh for about `ms` (jittered), and never for more than half the token's time left. */
  #pauseFor (entry, ms) {
    const now = Date.now()
    this.#pausedUntil = now + Math.min(jitter(ms), Math.max(0, (entry.expiresAt - now) / 2))
  }

  /** Loads the credentials once, and learns what depends on them. */
  async #load () {
    if (this.#loaded === null) {
      const { passphrase, imsEndpoint, allowInsecureHttp, store, storeKey } = this.#options
      const loaded = await loadCredentials(this.#credentials, { passphrase, imsEndpoint, allowInsecureHttp })
      this.#kind = loaded.kind
      this.#tokenUrl = native.tokenUrlOf(loaded)
      this.#imsTarget = this.#tokenUrl === null ? null : tracingTarget(this.#tracing, this.#tokenUrl)
      if (store) this.#shared = new SharedToken(store, storeKey || `aem-headless-rs|${loaded.identity}`, this.#storeTimeoutMs)
      this.#loaded = loaded
    }
    return this.#loaded
  }
}

/**
 * A fetched token as an entry: its view, its expiry, and when to refresh it: once `ratio` of the
 * lifetime or `marginMs` is left, whichever comes first, but never before half-way.
 */
function entryOf ({ accessToken, type, expiresAt }, obtainedAt, { ratio, marginMs }) {
  const lifetime = Math.max(0, expiresAt - obtainedAt)
  const margin = Math.min(Math.max(lifetime * ratio, marginMs), lifetime / 2)
  return { view: Object.freeze({ accessToken, tokenType: type, expiresAt }), expiresAt, refreshAt: Math.floor(expiresAt - margin) }
}

/** A wait of `ms`, give or take half: processes that wait together do not wake together. */
function jitter (ms) {
  return Math.floor(ms * (0.5 + Math.random()))
}

module.exports = { TokenProvider, FRESH_TOKEN }
