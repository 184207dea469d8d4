'use strict'

const path = require('node:path')
const native = loadBinding()
const { AEMHeadlessError, ErrorCodes, sdkError, fromNative, wordingOf } = require('./lib/errors')
const { callOptions, checkRetryOptions, checkRetries, checkCache, checkInvalidation, optionalBoolean, tracingOption, toJson, positiveNumber, headerRecord, MAX_TIMEOUT_MS } = require('./lib/options')
const { QueryTypes, resolveArgs, queryText, buildQuery } = require('./lib/query-builder')
const { TokenProvider } = require('./lib/token-provider')
const { loadCredentials, credentialsOptions } = require('./lib/credentials')
const { exchange, signServiceJwt, fetchToken } = require('./lib/exchange')
const { resolveLogger, requestEvent } = require('./lib/logger')
const { requestTrace, tracingTarget } = require('./lib/tracing')
const { targetOf } = require('./lib/otel')
const { outcomeOf } = require('./lib/outcome')
const { cancelTokenFor } = require('./lib/abort')
const { withManagedToken, tokenWithin, aborted } = require('./lib/managed-token')
const { checkCa, trustFor } = require('./lib/tls')
const { routeFor, localCall } = require('./lib/fetch-transport')
const { createAuthFetch } = require('./lib/auth-fetch')

/** The slowest upload rate a part's timeout allows for: 100 kB/s. */
const PART_BYTES_PER_SECOND = 100 * 1000
const { isEnvelope } = require('./lib/raw-answer')

/**
 * `load()`'s module, loaded at its first use and then held: an app that never uses a feature does
 * not pay for its modules at `require()`, and a call that does pays for the lookup once.
 */
function onFirstUse (load) {
  let loaded
  return () => loaded === undefined ? (loaded = load()) : loaded
}
const cacheStores = onFirstUse(() => require('./lib/cache-store'))
const invalidations = onFirstUse(() => require('./lib/invalidations'))
const apiRequests = onFirstUse(() => require('./lib/api-request'))
const uploads = onFirstUse(() => require('./lib/upload/upload'))
const eventInvalidations = onFirstUse(() => require('./lib/event-invalidations'))
const journal = onFirstUse(() => require('./lib/journal'))
const cdnPurge = onFirstUse(() => require('./lib/cdn-purge'))
const redisStores = onFirstUse(() => require('./lib/redis-store'))
const eventsHandlers = onFirstUse(() => require('./lib/events-handler'))

const DEFAULT_SERVICE_URL = '/'
const DEFAULT_ENDPOINT = 'content/graphql/global/endpoint.json'
const PERSIST_PATH = 'graphql/persist.json'
const LIST_PATH = 'graphql/list.json'
const DEFAULT_TIMEOUT_MS = 30000
/** The options a client for another Adobe service (I/O Events' journal) takes from the client that made it. */
const CONNECTION_OPTIONS = ['ca', 'proxy', 'transport', 'fetch', 'timeout', 'connectTimeout', 'retries', 'logger', 'tracing']

/**
 * A client for AEM's GraphQL APIs, a drop-in for `@adobe/aem-headless-client-nodejs`'s
 * `AEMHeadless`. Requests, TLS and JSON checks run in the Rust core; clients with the same
 * `ca` and `proxy` share one connection pool, whatever their `connectTimeout`.
 */
class AEMHeadless {
  /** @type {import('./binding').NativeClient} */
  #native
  /** @type {{getAccessToken(): Promise<{accessToken: string}>, invalidate?(token?: string): void} | null} */
  #tokens = null
  /** The client's timeout in milliseconds, which also bounds waiting for a token. */
  #timeout = DEFAULT_TIMEOUT_MS
  /** `log(level, event)` when logging is on, else null. */
  #log = null
  /** `cache`'s controls, made at first use. */
  #cacheControls = null
  /** With a shared store: this client as the store's other clients hear it, and `announce(selector, hard)`. */
  #invalidations = null
  /** `(selector, hard) => Promise<number>`: this client's own invalidation (`#invalidator`). */
  #invalidateHere = null
  /** `events`'s controls, made at first use. */
  #eventControls = null
  /** The cache's store, if it has one (the journal's follower takes its lease and keeps its position there). */
  #store = undefined
  /** The connection options a client for another Adobe service (I/O Events' journal) takes from this one. */
  #connection = {}
  /** The `tracing` option. */
  #tracing = undefined
  /** Where the requests go, for OpenTelemetry (null with `tracing: false`), parsed at the first request. */
  #target = undefined
  /** What `request` and `paginate` need of the client: its URL, body limit and cached GETs. */
  #api = null
  /** The `X-Api-Key` for AEM's OpenAPI-based APIs: `apiKey`, else the credentials' client id. */
  #apiKey = () => undefined
  /** How the client's requests go (lib/fetch-transport.js, `routeFor`): `now()` is the app's transport when one carries a request made now. */
  #route = null
  /** The config's `auth` and `headers`, as given: Adobe's fields, read through accessors. */
  #given = { auth: undefined, headers: undefined }
  /** How the fetch Adobe's client would have used words failures (lib/errors.js). */
  #wording = 'node-fetch'

  /**
   * @param {string | {serviceURL?: string, endpoint?: string, auth?: string | [string, string],
   *   credentials?: string | object, passphrase?: string, imsEndpoint?: string,
   *   tokenProvider?: TokenProvider, headers?: Record<string, string>, ca?: string | Buffer | Array<string | Buffer>,
   *   cache?: boolean | {maxEntries?: number, maxBytes?: number}, coalesce?: boolean,
   *   logger?: false | ((event: object) => void) | object, tracing?: boolean}} config the
   *   AEM host, or a configuration
   */
  constructor (config) {
    const options = typeof config === 'string' ? { serviceURL: config } : config
    if (options === null || typeof options !== 'object') {
      throw sdkError('INVALID_PARAM', 'config must be a serviceURL string or an object')
    }
    if (options.tokenProvider !== undefined && options.credentials !== undefined) {
      throw sdkError('INVALID_PARAM', 'give either credentials or tokenProvider, not both')
    }
    if ((options.tokenProvider !== undefined || options.credentials !== undefined) && options.auth !== undefined) {
      throw sdkError('INVALID_PARAM', 'give either auth or credentials/tokenProvider, not both')
    }
    this.#given = { auth: options.auth, headers: options.headers }
    this.#log = resolveLogger(options.logger)
    const tracing = tracingOption(options, '')
    const ca = checkCa(options.ca, 'ca')
    const route = routeFor(options, '', { ca, proxy: optionalString(options.proxy, 'proxy') })
    this.#route = route
    this.#wording = wordingOf(options.fetch)
    const chosen = route.chosen
    // Every request goes through the app's transport with `fetch` or `transport: 'fetch'`; in
    // 'auto' mode only those made while it is the one (#call), and always authFetch's answers and
    // raw GETs through the cache, which stream to their callers through a fetch.
    const transport = chosen === 'supplied' || chosen === 'fetch' ? route.app : undefined
    if (options.tokenProvider !== undefined) {
      const provider = options.tokenProvider
      if (provider === null || typeof provider.getAccessToken !== 'function') {
        throw sdkError('INVALID_PARAM', 'tokenProvider must have getAccessToken()')
      }
      this.#tokens = provider
    } else if (options.credentials !== undefined) {
      const { passphrase, imsEndpoint, allowInsecureHttp, proxy, logger } = options
      this.#tokens = new TokenProvider(options.credentials, { passphrase, imsEndpoint, allowInsecureHttp, ca, proxy, logger, tracing, fetch: options.fetch, transport: options.transport })
    }
    /**
     * The `fetch` the client's requests go through: the config's own, else `globalThis.fetch`
     * (requests then go through the native HTTP client unless `transport` is `'fetch'`).
     */
    this.fetch = options.fetch || globalThis.fetch
    /** The AEM host, with a trailing `/`. */
    this.serviceURL = undefined
    /** The ad-hoc query endpoint, without a leading `/`; empty when ad-hoc queries are off. */
    this.endpoint = undefined
    const cache = checkCache(options.cache)
    const { store, invalidationPollMs, purgeKey, ...cacheOptions } = cache || {}
    try {
      this.#native = new native.NativeClient({
        serviceUrl: String(options.serviceURL || DEFAULT_SERVICE_URL),
        endpoint: options.endpoint === '' ? '' : String(options.endpoint || DEFAULT_ENDPOINT),
        auth: normalizeAuth(options.auth),
        headers: headerRecord(options.headers, 'headers'),
        trust: trustFor(ca),
        retries: checkRetries(options.retries),
        timeoutMs: positiveNumber(options.timeout, 'timeout', MAX_TIMEOUT_MS),
        connectTimeoutMs: positiveNumber(options.connectTimeout, 'connectTimeout', MAX_TIMEOUT_MS),
        maxResponseBytes: positiveInteger(options.maxResponseBytes, 'maxResponseBytes', Number.MAX_SAFE_INTEGER),
        proxy: optionalString(options.proxy, 'proxy'),
        maxConcurrentRequests: positiveInteger(options.maxConcurrentRequests, 'maxConcurrentRequests', 100000),
        cache: cache && cacheOptions,
        coalesce: optionalBoolean(options.coalesce, 'coalesce')
      }, transport, store === undefined ? undefined : cacheStores().cacheStoreFor(store), route.app)
    } catch (error) {
      throw fromNative(error, { serviceURL: redactUrl(options.serviceURL) })
    }
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT_MS
    this.serviceURL = this.#native.serviceUrl
    this.endpoint = this.#native.endpoint
    this.#tracing = tracing
    this.#api = { serviceURL: this.serviceURL, maxResponseBytes: this.#native.maxResponseBytes }
    this.#store = store
    this.#connection = Object.fromEntries(CONNECTION_OPTIONS.map((name) => [name, options[name]]))
    this.#invalidateHere = this.#invalidator(purgeKey)
    if (store !== undefined) {
      const native = this.#native
      const member = { serviceURL: this.serviceURL, apply: (selector, hard) => native.invalidate(selector, hard), log: this.#log, pollMs: invalidationPollMs }
      // Loaded at first use, as the journal, the webhook and the CDN purge: an app that uses none
      // of them does not pay for their modules (and node:https) at require().
      this.#invalidations = { member, announce: invalidations().joinInvalidations(store, member) }
    }
    const apiKey = optionalString(options.apiKey, 'apiKey')
    this.#apiKey = () => apiKey ?? (this.#tokens !== null && typeof this.#tokens.clientId === 'string' ? this.#tokens.clientId : undefined)
    if (apiKey !== undefined && !/^[\x21-\x7e]+$/.test(apiKey)) throw sdkError('INVALID_PARAM', 'apiKey must be printable ASCII without spaces (it is sent as a header)')
    /**
     * The Fetch API for any AEM API, bound to this client: `fetch(input, init)` with the managed
     * token, `X-Api-Key` and the client's headers for the service URL's origin only (see
     * lib/auth-fetch.js). Pass it as `fetch` to `openapi-fetch` or any typed client.
     */
    this.authFetch = createAuthFetch({
      serviceURL: this.serviceURL,
      native: this.#native,
      tokens: this.#tokens,
      apiKey: this.#apiKey,
      timeoutMs: this.#timeout,
      // A supplied fetch owns retries, for authFetch as for every request.
      retries: chosen === 'supplied' ? { maxRetries: 0 } : undefined,
      log: this.#log,
      target: (url) => tracing === false ? null : targetOf(url.href),
      // With the cache on, GETs to AEM go through it, as persisted queries do.
      cachedGet: cache ? (endpoint, headers, signal) => this.#cachedGet(endpoint, headers, signal) : null
    })
  }

  /**
   * The config's `auth`, as given (Adobe's field): an accessor, so that `util.inspect` and
   * `JSON.stringify` of a client never show a token or a password.
   */
  get auth () {
    return this.#given.auth
  }

  set auth (value) {
    this.#given.auth = value
  }

  /** The config's `headers`, as given (Adobe's field); an accessor, as `auth` is. */
  get headers () {
    return this.#given.headers
  }

  set headers (value) {
    this.#given.headers = value
  }

  /**
   * Sends a request to any AEM API and resolves with its parsed body: JSON (`application/json`
   * and `+json` types), else text, or `null` without a body (204). A non-2xx answer rejects with
   * `API_ERROR`: `sdkDetails.status`, `etag`, and `problem` for `application/problem+json`.
   * See lib/api-request.js for the options.
   * @param {string | URL} path relative to the service URL, or absolute
   * @param {import('./lib/api-request').ApiRequestOptions} [options]
   */
  async request (path, options = {}) {
    return apiRequests().apiRequest(this.authFetch, this.#api, path, options)
  }

  /**
   * A GET of any AEM API through the native client and its cache (`request()` and `authFetch`
   * with `cache` on): resolves with the answer's envelope `{status, headers, text}` (see
   * lib/raw-answer.js), with the token, its 401 refresh, retries and the cache's rules of every
   * persisted query; any status but 2xx rejects with the envelope as `sdkDetails.body`.
   */
  async #cachedGet (endpoint, headers, signal) {
    const call = callOptions({ headers, signal }, 'GET')
    call.operation = 'authFetch'
    call.raw = true
    // The credentials' client id is known once they are loaded, with the first token.
    if (this.#apiKey() === undefined && this.#tokens !== null) {
      await tokenWithin(this.#tokens, { signal, timeout: this.#timeout }, { serviceURL: this.serviceURL, endpoint })
    }
    const apiKey = this.#apiKey()
    if (apiKey !== undefined && !Object.keys(call.headers || {}).some((name) => name.toLowerCase() === 'x-api-key')) {
      call.headers = { ...call.headers, 'X-Api-Key': apiKey }
    }
    return this.#request(call, endpoint, null)
  }

  /**
   * Every item of a cursor-paginated AEM API (`limit` and an opaque `cursor`, as the Sites,
   * Assets and Folders APIs page): an async iterator that follows `cursor` until the last page,
   * and stops with the `signal`.
   * @param {string | URL} path relative to the service URL, or absolute
   * @param {{query?: Record<string, unknown>, headers?: HeadersInit, signal?: AbortSignal, items?: string}} [options]
   */
  paginate (path, options = {}) {
    return apiRequests().paginate(this.authFetch, this.#api, path, options)
  }

  /**
   * Uploads files to the DAM folder `folder` by direct binary upload (lib/upload/upload.js): paths
   * of files or directories (walked, with their folders created), or `{ fileName, filePath |
   * stream | buffer | blob, fileSize }`. Parts stream from disk a few at a time, to the blob
   * store's URIs without any of AEM's credentials. Resolves with every file's outcome; a failed
   * file does not stop the others unless `stopOnError`.
   * @param {string} folder e.g. `/content/dam/site/images`
   * @param {string | object | Array<string | object>} files
   * @param {import('./lib/upload/upload').UploadOptions} [options]
   */
  upload (folder, files, options = {}) {
    const headers = this.#given.headers || {}
    const cookie = Object.keys(headers).find((name) => name.toLowerCase() === 'cookie')
    return uploads().upload({ authFetch: this.authFetch, serviceURL: this.serviceURL, putFile: (part, signal) => this.#putFile(part, signal), cookie: cookie === undefined ? undefined : String(headers[cookie]) }, folder, files, options)
  }

  /**
   * PUTs a range of a file (a part of an upload) by the core's rules, read from disk as it is
   * sent: through the native client, or the app's fetch where the app's network is the one.
   * Its timeout is the client's, or the time to send the part at PART_BYTES_PER_SECOND if that is
   * longer (a 10 MiB part on a slow uplink). Resolves with `{status, attempts, body}`.
   */
  async #putFile ({ url, headers, path, start, len }, signal) {
    const timeoutMs = Math.max(this.#timeout, Math.ceil(len / PART_BYTES_PER_SECOND) * 1000)
    const request = { url, headers: Object.entries(headers).flat(), path, start, len, timeoutMs }
    const { token: cancel, release } = cancelTokenFor(signal, native.CancelToken)
    try {
      return await (this.#route.now() !== undefined
        ? localCall((done) => this.#native.putFileLocal(request, cancel, done))
        : this.#native.putFile(request, cancel))
    } catch (error) {
      if (signal && signal.aborted) throw signal.reason
      throw fromNative(error, { serviceURL: this.serviceURL, endpoint: redactUrl(url) })
    } finally {
      release()
    }
  }

  /**
   * Runs a persisted query. With GET (the default) the variables go in the URL, encoded exactly
   * as Adobe's client does; with `{ method: 'POST' }` they go in a JSON body.
   * @param {string} path `conf/name`, e.g. `wknd-shared/adventures-all`
   * @param {Record<string, unknown>} [variables]
   * @param {{method?: string, headers?: Record<string, string>, signal?: AbortSignal}} [options]
   * @param {{maxRetries?: number, initialDelayInMillis?: number}} [retryOptions]
   */
  async runPersistedQuery (path, variables = {}, options = {}, retryOptions = {}) {
    const call = callOptions(options, 'GET')
    call.retries = checkRetryOptions(retryOptions)
    call.operation = 'runPersistedQuery'
    call.persistedQuery = String(path)
    if (variables === null || typeof variables !== 'object') {
      throw sdkError('INVALID_PARAM', 'variables must be an object')
    }
    if (call.method === 'POST') {
      const endpoint = this.#native.persistedQueryPath(String(path), [])
      return this.#request(call, endpoint, toJson({ variables }, 'variables'))
    }
    const endpoint = this.#native.persistedQueryPath(String(path), flattenVariables(variables))
    return this.#request(call, endpoint, null)
  }

  /**
   * Runs an ad-hoc query: POST to the endpoint. Fails with INVALID_PARAM on a client built with
   * `endpoint: ''` (persisted queries only).
   * @param {string | {query: string, variables?: Record<string, unknown>}} body
   * @param {{method?: string, headers?: Record<string, string>, signal?: AbortSignal}} [options]
   * @param {{maxRetries?: number, initialDelayInMillis?: number}} [retryOptions]
   */
  async runQuery (body, options = {}, retryOptions = {}) {
    return this.#query('runQuery', body, options, retryOptions)
  }

  async #query (operation, body, options, retryOptions) {
    const call = callOptions(options, 'POST')
    call.retries = checkRetryOptions(retryOptions)
    call.operation = operation
    if (!this.endpoint) {
      throw sdkError('INVALID_PARAM', "this client has no GraphQL endpoint (it was built with endpoint: ''), so it runs persisted queries only", { serviceURL: this.serviceURL, endpoint: '' })
    }
    const postBody = typeof body === 'object' ? body : { query: body }
    return this.#request(call, this.endpoint, toJson(postBody, 'body'))
  }

  /**
   * Persists a query at `conf/name`: PUT `graphql/persist.json/{path}`.
   * @param {string} query the query text
   * @param {string} path `conf/name`
   * @param {{method?: string, headers?: Record<string, string>, signal?: AbortSignal}} [options]
   * @param {{maxRetries?: number, initialDelayInMillis?: number}} [retryOptions]
   */
  async persistQuery (query, path, options = {}, retryOptions = {}) {
    const call = callOptions(options, 'PUT')
    call.retries = checkRetryOptions(retryOptions)
    call.operation = 'persistQuery'
    call.persistedQuery = String(path)
    return this.#request(call, `${PERSIST_PATH}/${path}`, String(query))
  }

  /**
   * Lists the persisted queries: GET `graphql/list.json`.
   * @param {{method?: string, headers?: Record<string, string>, signal?: AbortSignal}} [options]
   * @param {{maxRetries?: number, initialDelayInMillis?: number}} [retryOptions]
   */
  async listPersistedQueries (options = {}, retryOptions = {}) {
    const call = callOptions(options, 'GET')
    call.retries = checkRetryOptions(retryOptions)
    call.operation = 'listPersistedQueries'
    return this.#request(call, LIST_PATH, null)
  }

  /**
   * Pages through a model's items, as Adobe's client does: yields one array of items per page.
   * Cursor-based `{model}Paginated` queries by default (`config.pageSize` is `first`,
   * `config.after` the cursor); `{model}List` with `config.useLimitOffset` (`pageSize` is the
   * limit, `after` the first offset); `{model}ByPath` (one item) when `args._path` is set.
   * @param {string} model e.g. `adventure`
   * @param {string} fields the selection, e.g. `{ title slug }`
   * @param {{pageSize?: number, after?: string | number, useLimitOffset?: boolean}} [config]
   * @param {Record<string, unknown>} [args] more query arguments (filter, sort, …)
   * @param {{headers?: Record<string, string>, signal?: AbortSignal}} [options]
   * @param {{maxRetries?: number, initialDelayInMillis?: number}} [retryOptions]
   */
  async * runPaginatedQuery (model, fields, config = {}, args = {}, options = {}, retryOptions = {}) {
    if (!model || !fields) {
      throw sdkError('INVALID_PARAM', 'Required param missing: @param {string} fields - query string for item fields', { serviceURL: this.serviceURL })
    }
    const resolved = resolveArgs(config || {}, args || {})
    let pageArgs = resolved.args
    const size = (args && (args.first || args.limit)) || 0
    for (;;) {
      const { data } = await this.#query('runPaginatedQuery', queryText(model, fields, resolved.type, pageArgs), options, retryOptions)
      const page = pageOf(model, resolved.type, data, this.serviceURL)
      yield page.items
      if (resolved.type === QueryTypes.BY_PATH) return
      const count = page.items ? page.items.length : 0
      if (resolved.type === QueryTypes.LIST) {
        const limit = Number(pageArgs.limit)
        if (count === 0 || count < limit) return
        pageArgs = { ...pageArgs, offset: (Number(pageArgs.offset) || 0) + limit }
      } else {
        if (!(page.hasNextPage && count > 0 && count >= size)) return
        pageArgs = { ...pageArgs, after: page.endCursor }
      }
    }
  }

  /**
   * `{query, type}` for a model, with the same text as Adobe's builder; see runPaginatedQuery.
   * @param {string} model
   * @param {string} fields
   * @param {{pageSize?: number, after?: string | number, useLimitOffset?: boolean}} [config]
   * @param {Record<string, unknown>} [args]
   */
  buildQuery (model, fields, config, args = {}) {
    return buildQuery(model, fields, config || {}, args)
  }

  /**
   * Drops every response the `cache` option kept; later calls go to AEM again. Does nothing
   * without a cache. The same as `cache.invalidate({ all: true, mode: 'hard' })`, at once here;
   * the processes that share the cache's store hear it as they hear `invalidate`.
   */
  clearCache () {
    this.#native.clearCache()
    if (this.#invalidations !== null) this.#invalidations.announce({ all: true }, true)
  }

  /**
   * The response cache's controls (with the `cache` option; without it they reach nothing).
   * `invalidate({ paths, prefixes, models, queries, all, mode })` reaches the answers that hold
   * any of `paths` (GraphQL `_path` values, as AEM's events name content), a path under any of
   * `prefixes`, the answers that list any of `models` (by model path or name: answers with an
   * `articleList` or `articlePaginated` field for the model `article`, and the queries
   * `cache.models` declares), the answers of any of `queries` (`conf/name`), or with
   * `all: true` every answer; with `unchangedSince` (a Date or epoch milliseconds), only those
   * whose content (`ETag`, or body) has not changed since then.
   * `mode: 'soft'` (the default) marks them stale: they are still served within their
   * `stale-while-revalidate` window, counted from now, while they are revalidated with their
   * validators, and within `stale-if-error` when AEM fails. `'hard'` removes them (takedowns). A
   * shared store's copies of the answers reached are removed too, and every process that shares
   * the store invalidates its own cache alike: at once through the store's `publish`/`subscribe`,
   * else within `cache.invalidationPollMs` (lib/invalidations.js). Resolves with
   * `{ invalidated }`, how many answers were reached in this client.
   * @returns {{invalidate(options: {paths?: string[], prefixes?: string[], models?: string[], queries?: string[],
   *   all?: boolean, mode?: 'soft' | 'hard', unchangedSince?: Date | number}): Promise<{invalidated: number}>}}
   */
  get cache () {
    if (this.#cacheControls === null) {
      const invalidateHere = this.#invalidateHere
      const shared = this.#invalidations
      this.#cacheControls = Object.freeze({
        async invalidate (options) {
          const { selector, hard } = checkInvalidation(options)
          const invalidated = await invalidateHere(selector, hard)
          if (shared !== null) await shared.announce(selector, hard)
          return { invalidated }
        }
      })
    }
    return this.#cacheControls
  }

  /**
   * AEM's events read from Adobe I/O Events' Journaling API (lib/journal.js), with this client's
   * token, its credentials' client id as `x-api-key` and their IMS organization as
   * `x-ims-org-id` (`orgId` for credentials that hold none), sent to the journal's origin only:
   * - `journal({ url, since, latest, limit, wait, signal })`: an async iterator of
   *   `{ position, event }`; at the end it waits as the journal says, or stops with `wait: false`.
   * - `follow({ url, store, signal })`: runs the journal in one process at a time of those that
   *   share `store` (default: the cache's), keeping its position there, and invalidates this
   *   client's cache (every process's, through the store) by each event as a webhook would
   *   (docs/FRESHNESS.md), with `settleMs` and `settleRetries` as createEventsHandler's. A
   *   position past the journal's retention marks everything stale and reads on from the
   *   latest. Resolves `stop()`'s promise once it has stopped.
   * @returns {{journal(options: object): AsyncGenerator<{position: string, event: object}>, follow(options: object): {stop(): Promise<void>}}}
   */
  get events () {
    if (this.#eventControls === null) {
      const client = this
      this.#eventControls = Object.freeze({
        journal (options) {
          const url = client.#journalUrl(options)
          return client.#readJournal(url, options, client.#journalRequest(url, options && options.orgId))
        },
        follow (options = {}) {
          const url = client.#journalUrl(options)
          const store = options.store ?? client.#store
          if (store === undefined || store === null || typeof store.lease !== 'function') {
            throw sdkError('INVALID_PARAM', 'follow needs a store with lease (the cache\'s store, or options.store): it elects the one process that reads the journal')
          }
          let settle
          try {
            settle = eventInvalidations().settleOptions(options, 'follow')
          } catch (error) {
            throw sdkError('INVALID_PARAM', error.message)
          }
          const stopped = new AbortController()
          const stop = () => stopped.abort()
          const given = options.signal
          if (given) {
            if (given.aborted) stop()
            else given.addEventListener('abort', stop, { once: true })
          }
          const request = client.#journalRequest(url, options.orgId)
          const done = journal().followJournal({
            settle,
            read: (round) => client.#readJournal(url, { ...options, ...round }, request),
            invalidate: (invalidation) => client.cache.invalidate(invalidation),
            store,
            url,
            log: client.#log,
            signal: stopped.signal
          }).finally(() => { if (given) given.removeEventListener('abort', stop) })
          return { stop: () => { stop(); return done } }
        }
      })
    }
    return this.#eventControls
  }

  /**
   * The journal URL of `options`, checked: https, on Adobe I/O Events' hosts (`*.adobe.io`) or
   * this machine (an emulator): the client's token goes there.
   */
  #journalUrl (options) {
    let url
    try {
      url = new URL(String(options && options.url))
    } catch {
      throw sdkError('INVALID_PARAM', 'the journal needs url: the journal URL of the events registration')
    }
    const host = url.hostname
    if (url.protocol !== 'https:' || !(host.endsWith('.adobe.io') || ['127.0.0.1', 'localhost', '[::1]'].includes(host))) {
      throw sdkError('INVALID_PARAM', `the journal URL must be https on an Adobe I/O Events host (*.adobe.io), not ${JSON.stringify(native.redactUrl(url.href))}`)
    }
    if (Array.isArray(this.#given.auth)) throw sdkError('INVALID_PARAM', 'the journal takes a token (credentials, a tokenProvider or a bearer auth), not a user and password')
    const { since, limit } = options
    if (since !== undefined && typeof since !== 'string') throw sdkError('INVALID_PARAM', 'since must be a journal position (a string)')
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw sdkError('INVALID_PARAM', 'limit must be a positive whole number')
    return url.href
  }

  /**
   * `request(url, options)` of a client for the journal's origin, made at its first use: this
   * client's token, its credentials' client id as `x-api-key`, and their IMS organization (or
   * `orgId`) as `x-ims-org-id`, and none of this client's own headers.
   */
  #journalRequest (url, orgId) {
    let journalClient = null
    return async (target, options) => {
      if (journalClient === null) {
        if (this.#tokens !== null && (this.#apiKey() === undefined || orgId === undefined)) await this.#tokens.getAccessToken()
        const org = orgId ?? (this.#tokens !== null ? this.#tokens.orgId : undefined)
        const apiKey = this.#apiKey()
        if (typeof org !== 'string' || org === '') throw sdkError('INVALID_PARAM', 'orgId (x-ims-org-id) is needed: these credentials hold no IMS organization')
        if (apiKey === undefined) throw sdkError('INVALID_PARAM', 'apiKey (x-api-key) is needed: these credentials hold no client id')
        journalClient = new AEMHeadless({
          ...this.#connection,
          serviceURL: new URL(url).origin,
          endpoint: '',
          ...(this.#tokens !== null ? { tokenProvider: this.#tokens } : { auth: this.#given.auth }),
          apiKey,
          headers: { 'x-ims-org-id': org }
        })
      }
      return journalClient.request(target, options)
    }
  }

  /** `events.journal`'s iterator over `request`. */
  #readJournal (url, { since, latest, limit, wait, signal, onNext }, request) {
    return journal().readJournal(request, { url, since, latest, limit, wait, signal, onNext })
  }

  /**
   * `(selector, hard) => Promise<number>`: `cache.invalidate`'s own work here. With a purge key
   * it first purges AEM's CDN of the URLs of the answers reached (lib/cdn-purge.js), so that
   * their revalidation does not fetch the CDN's old copy; not for `all` (a purge of everything
   * is the CDN configuration's to decide). Other processes that hear the invalidation do not
   * purge again.
   */
  #invalidator (purgeKey) {
    const native = this.#native
    if (purgeKey === undefined) return (selector, hard) => native.invalidate(selector, hard)
    const client = { authFetch: (...args) => this.authFetch(...args), serviceURL: this.serviceURL, purgeKey, log: this.#log }
    return async (selector, hard) => {
      if (!selector.all) await cdnPurge().purge(client, native.endpointsReached(selector))
      return native.invalidate(selector, hard)
    }
  }

  /**
   * Sends a request. With a token provider, its token goes as the managed token (unless the call
   * sets its own `Authorization`), marked so: the cache keys its answers by whom it speaks for,
   * the same in every process and across renewals. A 401 from AEM's origin then invalidates it
   * and the request is sent once more with a new one (lib/managed-token.js).
   */
  async #request (call, endpoint, body) {
    const provider = this.#tokens
    const ownAuth = call.headers && Object.keys(call.headers).some((name) => name.toLowerCase() === 'authorization')
    if (provider === null || ownAuth) return this.#send(call, endpoint, body)
    const bounds = {
      signal: call.signal,
      timeout: call.timeout ?? this.#timeout,
      base: { serviceURL: this.serviceURL, endpoint },
      canResend: true,
      log: this.#log,
      url: redactUrl(this.serviceURL + endpoint)
    }
    return withManagedToken(provider, bounds,
      // Whom the token speaks for is known once the provider has loaded its credentials.
      (token, timeout, first) => this.#send({ ...call, timeout, token, identity: typeof provider.identity === 'string' ? provider.identity : undefined },
        endpoint, body, first ? first.error.sdkDetails.attempts || 1 : 0),
      ({ error }) => error instanceof AEMHeadlessError && error.sdkDetails.status === 401 && error.sdkDetails.answeredBy === undefined)
  }

  /**
   * Sends one request; traced (lib/tracing.js) when anyone listens. `sentBefore` counts the
   * requests this call already sent (the one a 401 refused), for the span's resend count.
   */
  #send (call, endpoint, body, sentBefore = 0) {
    if (this.#target === undefined) this.#target = tracingTarget(this.#tracing, this.serviceURL)
    const trace = requestTrace(call, this.serviceURL, endpoint, this.#target, sentBefore)
    return trace === null ? this.#call(call, endpoint, body, null) : trace.run(() => this.#call(call, endpoint, body, trace))
  }

  async #call ({ method, headers, signal, timeout, connectTimeout, retries, raw, token, identity }, endpoint, body, trace) {
    const base = { serviceURL: this.serviceURL, endpoint }
    if (signal && signal.aborted) {
      const failure = aborted(signal, base, this.#wording)
      if (trace !== null) trace.failed(failure)
      throw failure
    }
    const log = this.#log
    const { token: cancel, release } = cancelTokenFor(signal, native.CancelToken)
    const call = timeout === undefined && retries === undefined && connectTimeout === undefined && raw === undefined
      ? undefined
      : { timeoutMs: timeout, connectTimeoutMs: connectTimeout, retries, raw }
    // With logging or tracing on, the request carries its trace context (when it has one), and
    // the native side also says how the answer came: [body, outcome].
    const traceHeaders = trace !== null ? trace.traceHeaders() : log !== null ? [] : undefined
    const traced = traceHeaders !== undefined
    const startedAt = log === null ? 0 : performance.now()
    let answer
    try {
      answer = await (this.#route.now() !== undefined
        ? localCall((done) => this.#native.requestLocal(method, endpoint, body, headers, cancel, call, traceHeaders, token, identity, done))
        : this.#native.request(method, endpoint, body, headers, cancel, call, traceHeaders, token, identity))
    } catch (error) {
      const request = { url: redactUrl(this.serviceURL + endpoint), wording: this.#wording }
      const failure = signal && signal.aborted ? aborted(signal, base, this.#wording) : fromNative(error, base, request)
      if (raw && failure.code === 'API_ERROR' && isEnvelope(failure.sdkDetails.body)) {
        // A raw request's answer, whatever its status, is an answer (as fetch has it), not a failure.
        const outcome = { status: failure.sdkDetails.status, attempts: failure.sdkDetails.attempts ?? 1, cached: false }
        if (log !== null) log('debug', requestEvent(method, this.serviceURL + endpoint, startedAt, outcome))
        if (trace !== null) trace.answered(outcome)
        throw failure
      }
      if (log !== null) log('warn', requestEvent(method, this.serviceURL + endpoint, startedAt, { error: failure }))
      if (trace !== null) trace.failed(failure)
      throw failure
    } finally {
      release()
    }
    if (!traced) return parsedAnswer(answer, 200, base, this.#wording)
    const outcome = outcomeOf(answer[1])
    let parsed
    try {
      parsed = parsedAnswer(answer[0], outcome.status, base, this.#wording)
    } catch (failure) {
      if (log !== null) log('warn', requestEvent(method, this.serviceURL + endpoint, startedAt, { error: failure }))
      if (trace !== null) trace.failed(failure)
      throw failure
    }
    if (log !== null) log('debug', requestEvent(method, this.serviceURL + endpoint, startedAt, outcome))
    if (trace !== null) trace.answered(outcome)
    return parsed
  }
}

/**
 * An answer's JSON. The core passes on unparsed a 2xx text that cannot hold GraphQL `errors`
 * (src/aem/response.rs, `decode_owned`), so this parse is its syntax check: a text it refuses is
 * the core's `RESPONSE_ERROR`, as the core's full check gives it, in Adobe's words. `status` is
 * the answer's, or 200 where the call was not traced (the native side then gives the body only).
 */
function parsedAnswer (text, status, base, wording) {
  try {
    return JSON.parse(text)
  } catch (error) {
    try {
      native.checkAnswer(status, text)
    } catch (refused) {
      throw fromNative(refused, base, { url: redactUrl(base.serviceURL + base.endpoint), wording })
    }
    throw sdkError('RESPONSE_ERROR', `the answer is not JSON: ${error.message}`, { ...base, status }, error)
  }
}

function positiveInteger (value, what, max) {
  if (value === undefined || value === null) return undefined
  if (!(Number.isInteger(value) && value > 0 && value <= max)) throw sdkError('INVALID_PARAM', `${what} must be a whole number from 1 to ${max}`)
  return value
}

function optionalString (value, what) {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw sdkError('INVALID_PARAM', `${what} must be a string`)
  return value
}

/** A URL as it may be shown: user info, signatures and credentials redacted (src/http/redact.rs), even one that does not parse. */
function redactUrl (url) {
  return url === undefined || url === null ? url : native.redactUrl(String(url))
}

/** One page of a paginated query's response: its items and, for cursors, the page info. */
function pageOf (model, type, data, serviceURL) {
  try {
    const result = data[`${model}${type}`]
    if (type === QueryTypes.BY_PATH) return { items: result.item }
    if (type === QueryTypes.LIST) return { items: result.items }
    return {
      items: result.edges.map((edge) => edge.node),
      hasNextPage: result.pageInfo.hasNextPage,
      endCursor: result.pageInfo.endCursor
    }
  } catch (error) {
    throw sdkError('API_ERROR', `Error while filtering response data. ${error.message}`, { serviceURL }, error)
  }
}

/**
 * Exchanges credentials for an access token, as Adobe's `getToken` does: a development token
 * is returned as is; service credentials are signed into a JWT and exchanged at IMS (traced as
 * a token fetch; `tracing: false` keeps it out of OpenTelemetry).
 * @param {string | object} credentials a credentials file path, or its parsed content
 * @param {{imsEndpoint?: string, ca?: string | Buffer | Array<string | Buffer>, passphrase?: string, allowInsecureHttp?: boolean,
 *   proxy?: string, tracing?: boolean, fetch?: Function, transport?: 'auto' | 'native' | 'fetch'}} [options]
 * @returns {Promise<{accessToken: string, type: string, expires: number}>}
 */
async function getToken (credentials, options = undefined) {
  const checked = credentialsOptions(options)
  const tracing = tracingOption(options, 'options.')
  const { imsEndpoint, ca, passphrase, allowInsecureHttp, proxy } = checked || {}
  if (typeof credentials !== 'string' && (credentials === null || typeof credentials !== 'object')) {
    throw sdkError('INVALID_PARAM', 'credentials must be a file path or a credentials object')
  }
  const route = routeFor(options, 'options.', { ca, proxy })
  const loaded = await loadCredentials(credentials, { imsEndpoint, passphrase, allowInsecureHttp })
  return fetchToken(loaded, { trust: trustFor(ca), proxy, route }, tracing)
}

/**
 * `auth` as Adobe's client reads it: an array whose first two entries are set is a Basic
 * `[user, password]` pair; anything else truthy is a Bearer token, as its text (`['admin']` is
 * `Bearer admin`); a falsy one sends no `Authorization`.
 */
function normalizeAuth (auth) {
  if (!auth) return undefined
  if (Array.isArray(auth) && auth[0] && auth[1]) return [String(auth[0]), String(auth[1])]
  return String(auth)
}

/**
 * `[name1, value1, …]`: a string value as is, anything else as `JSON.stringify` gives it,
 * exactly as Adobe's client builds `;name=value`.
 */
function flattenVariables (variables) {
  const flat = []
  for (const name of Object.keys(variables)) {
    const value = variables[name]
    flat.push(name, typeof value === 'string' ? value : String(toJson(value, `variables.${name}`)))
  }
  return flat
}

/** The native binding, or an error that names the platform package it is in (lib/platform.js). */
function loadBinding () {
  try {
    return require('./binding.js')
  } catch (error) {
    throw require('./lib/platform').missingBinary(error)
  }
}

module.exports = AEMHeadless
module.exports.AEMHeadless = AEMHeadless
module.exports.getToken = getToken
module.exports.AEMHeadlessError = AEMHeadlessError
module.exports.ErrorCodes = ErrorCodes
module.exports.TokenProvider = TokenProvider
module.exports.loadCredentials = loadCredentials
module.exports.signServiceJwt = signServiceJwt
module.exports.exchange = exchange
/**
 * A cache store over Redis (lib/redis-store.js, loaded at the first call).
 * @param {Parameters<typeof import('./lib/redis-store').createRedisStore>[0]} client
 * @param {Parameters<typeof import('./lib/redis-store').createRedisStore>[1]} [options]
 */
module.exports.createRedisStore = function createRedisStore (client, options) {
  return redisStores().createRedisStore(client, options)
}
/**
 * A webhook receiver for AEM's events through Adobe I/O Events (lib/events-handler.js, loaded at
 * the first call).
 * @param {Parameters<typeof import('./lib/events-handler').createEventsHandler>[0]} options
 */
module.exports.createEventsHandler = function createEventsHandler (options) {
  return eventsHandlers().createEventsHandler(options)
}
