'use strict'

// `authFetch`: the Fetch API for any AEM API (the OpenAPI-based Sites, Assets and Folders APIs,
// Content Fragment Delivery, Sling, …), with the client's managed token. It takes what fetch takes
// and resolves with fetch's own `Response` for every status, its body unread, so answers and
// request bodies stream. Over fetch it adds, for the service URL's origin only: the client's
// headers, `Authorization` (the managed token, or the client's `auth`) and `X-Api-Key` (the
// credentials' client id). Like the client's other requests it refreshes the token and sends
// again once on a 401, retries as the core decides (src/http/retry.rs: idempotent methods, 429 and 5xx
// after their `Retry-After`, connections never made), bounds the wait for an answer by the
// client's `timeout`, and is traced and logged. Redirects are followed here, not by fetch, so
// that nothing of the origin's goes to another one (a binary on a CDN or a blob store).

const { Readable } = require('node:stream')
const native = require('../binding.js')
const { setTimeout: sleep } = require('node:timers/promises')
const { requestTrace, safeUrl } = require('./tracing')
const { requestEvent } = require('./logger')
const { failureOf } = require('./fetch-transport')
const { onAbort } = require('./abort')
const { cachedResponse, NULL_BODY_STATUSES, REDIRECT_STATUSES } = require('./raw-answer')
const { AEMHeadlessError } = require('./errors')

/** The redirect modes of fetch. */
const REDIRECT_MODES = new Set(['follow', 'error', 'manual'])
/** Fetch's own bound on redirects. */
const MAX_REDIRECTS = 20
/**
 * How much of a streamed request body is read ahead: a shorter one is kept and can be sent again
 * (a retry, a 401, a 307); a longer one streams on and is sent once.
 */
const REPLAYABLE_BODY_BYTES = 1 << 20
/** Headers that only the service URL's origin receives, besides the client's own headers. */
const ORIGIN_ONLY = ['authorization', 'proxy-authorization', 'x-api-key', 'cookie']
/** The fields of a `RequestInit` that authFetch handles itself; the others go to fetch as given. */
const HANDLED = new Set(['method', 'headers', 'body', 'signal', 'redirect', 'duplex', 'window'])

/**
 * The `authFetch` of a client.
 * @param {object} host what the client gives it
 * @param {string} host.serviceURL the AEM host, with its trailing `/`
 * @param {Record<string, string> | undefined} host.headers the client's headers
 * @param {string | null} host.authorization the client's static `Authorization` (`auth`), or null
 * @param {((signal: AbortSignal, timeoutMs: number, url: string) => Promise<string>) | null} host.token
 *   the managed token, or null without a token provider
 * @param {(token: string) => void} host.invalidate forgets a token AEM refused
 * @param {() => string | undefined} host.apiKey the `X-Api-Key` to send, if any
 * @param {() => Function} host.fetch the fetch to call, looked up at each request
 * @param {(method: string, replayable: boolean, made: number, answer: object) => number | null} host.retryWait
 *   the core's retry decision: milliseconds to wait, or null
 * @param {number} host.timeoutMs the longest the answer's headers may take, retries included
 * @param {((level: string, event: object) => void) | null} host.log
 * @param {(url: URL) => object | null} host.target where a request goes, for OpenTelemetry
 * @param {Function | null} host.cachedGet a GET through the client's cache (lib/raw-answer.js), or
 *   null without a cache
 * @returns {(input: string | URL | Request, init?: RequestInit) => Promise<Response>}
 */
function createAuthFetch (host) {
  const origin = originOf(host.serviceURL)
  return async function authFetch (input, init = undefined) {
    const request = requestOf(input, init, host.serviceURL)
    if (host.cachedGet !== null && joinsCache(request, host.serviceURL)) {
      const cached = await throughCache(host.cachedGet, request, host.serviceURL)
      if (cached !== null) return cached
    }
    const url = safeUrl(request.url.href)
    const trace = requestTrace({ method: request.method, operation: 'authFetch' }, '', url, host.target(request.url), 0)
    const startedAt = host.log === null ? 0 : performance.now()
    const outcome = { status: undefined, attempts: 0, cached: false }
    const traced = async () => {
      try {
        const response = await send(host, origin, request, outcome, trace)
        if (trace !== null) trace.answered(outcome)
        if (host.log !== null) host.log('debug', requestEvent(request.method, url, startedAt, outcome))
        return response
      } catch (error) {
        if (trace !== null) trace.failed(withDetails(error, outcome))
        if (host.log !== null) host.log('warn', requestEvent(request.method, url, startedAt, { error: withDetails(error, outcome) }))
        throw error
      }
    }
    return trace === null ? traced() : trace.run(traced)
  }
}

/** Fetch's `cache` modes that leave the HTTP cache alone; `default` (and none) use it. */
const BYPASS_CACHE_MODES = new Set(['no-store', 'reload', 'no-cache', 'force-cache', 'only-if-cached'])

/**
 * Whether a request goes through the client's cache: a GET under the service URL that follows
 * redirects, with fetch's `cache` mode `default`. `no-store` (and fetch's other modes) send it
 * through fetch, as do a body the cache does not read (a binary) and a redirect to another origin.
 */
function joinsCache (request, serviceURL) {
  return request.method === 'GET' && request.redirect === 'follow' && !BYPASS_CACHE_MODES.has(request.cache) &&
    request.url.href.startsWith(serviceURL) && (request.signal === undefined || request.signal instanceof AbortSignal)
}

/**
 * A GET through the client's cache as fetch answers it: a `Response` for every status, or null
 * for fetch to send it. A failure rejects as fetch's would: an abort with the signal's reason, a
 * timeout with a `TimeoutError`, anything else with a `TypeError` whose cause is the client's error.
 */
async function throughCache (cachedGet, request, serviceURL) {
  try {
    return await cachedResponse(cachedGet, request.url, serviceURL, { headers: request.headers, signal: request.signal })
  } catch (error) {
    if (request.signal !== undefined && request.signal.aborted) throw request.signal.reason
    if (error instanceof AEMHeadlessError && error.sdkDetails.timeout) {
      throw new DOMException(error.message, { name: 'TimeoutError', cause: error })
    }
    throw new TypeError('fetch failed', { cause: error })
  }
}

/**
 * Sends `request` until its answer: the body read ahead, retries, the 401 refresh and redirects,
 * all under the call's signal. `outcome` follows the attempts and the last status.
 */
async function send (host, origin, request, outcome, trace) {
  const call = callSignal(request.signal, host.timeoutMs)
  const signal = call.signal
  const deadline = Date.now() + host.timeoutMs
  const remaining = () => Math.max(1, deadline - Date.now())
  try {
    const { body, replayable } = await bodyOf(request.body, signal)
    // Credentials go with the request while every hop so far is on the service URL's origin;
    // once a redirect leaves it, none goes again, not even back to it (fetch drops them too).
    let hop = { url: request.url, method: request.method, body, credentialed: request.url.origin === origin }
    const managed = host.token !== null && !request.headers.has('authorization')
    let token = null
    let refreshed = false
    let redirects = 0
    let made = 0
    for (;;) {
      if (managed && hop.credentialed && token === null) token = await tokenWithin(host, signal, remaining(), hop.url)
      made++
      outcome.attempts++
      const headers = headersFor(host, request, hop, token, trace)
      let response
      try {
        response = await host.fetch()(hop.url.href, fetchInit(request, hop, headers, signal))
      } catch (error) {
        if (signal.aborted) throw signal.reason
        const wait = isInputError(error) ? null : host.retryWait(hop.method, replayable, made, { failure: failureOf(error) })
        if (wait === null || Date.now() + wait >= deadline) throw withoutSecrets(error, headers)
        await sleep(wait, undefined, { signal }).catch(() => { throw signal.reason })
        continue
      }
      outcome.status = response.status
      if (response.status === 401 && managed && hop.credentialed && !refreshed && replayable) {
        refreshed = true
        discard(response)
        if (host.log !== null) host.log('info', { event: 'token-rejected', url: safeUrl(hop.url.href), action: 'a new token, and the request once more' })
        host.invalidate(token)
        token = null
        continue
      }
      const location = REDIRECT_STATUSES.has(response.status) && request.redirect !== 'manual' ? response.headers.get('location') : null
      if (location !== null) {
        discard(response)
        if (request.redirect === 'error') throw new TypeError(`fetch failed: ${response.status} redirect with redirect mode 'error'`)
        if (++redirects > MAX_REDIRECTS) throw new TypeError('fetch failed: redirect count exceeded')
        const next = redirected(hop, response.status, location, replayable)
        if (next === null) throw new TypeError(`fetch failed: a ${response.status} redirect cannot send a streamed body again`)
        hop = next
        made = 0
        continue
      }
      const wait = host.retryWait(hop.method, replayable, made, { status: response.status, retryAfter: response.headers.get('retry-after') ?? undefined })
      if (wait === null || Date.now() + wait >= deadline) return redirects > 0 ? markRedirected(response, hop.url) : response
      discard(response)
      await sleep(wait, undefined, { signal }).catch(() => { throw signal.reason })
    }
  } finally {
    // The answer's headers came (or the call failed): the timeout ends, the caller's signal
    // still aborts the body.
    call.done()
  }
}

/**
 * The managed token for a request to `url`, within the call's signal: an abort or the timeout
 * while waiting for it rejects as fetch rejects, with the signal's reason.
 */
async function tokenWithin (host, signal, timeoutMs, url) {
  try {
    // The call's own timeout fires first; the provider's is only a backstop.
    return await host.token(signal, timeoutMs + 1000, safeUrl(url.href))
  } catch (error) {
    if (signal.aborted) throw signal.reason
    throw error
  }
}

/**
 * Whether fetch refused its input (a `TypeError` without a cause: a bad URL, a bad header): no
 * network failure, nothing to retry. A network failure is `fetch failed` with its cause.
 */
function isInputError (error) {
  return error instanceof TypeError && error.cause === undefined && !/fetch failed/i.test(error.message)
}

/** The answer after redirects, with `redirected` and `url` saying so, as fetch's own does. */
function markRedirected (response, url) {
  try {
    Object.defineProperty(response, 'redirected', { value: true })
    Object.defineProperty(response, 'url', { value: url.href })
  } catch {}
  return response
}

/**
 * The signal of one call: it aborts when the caller's `signal` does, and with a `TimeoutError`
 * when the answer's headers take longer than `timeoutMs`. `done()` ends the timeout.
 */
function callSignal (callerSignal, timeoutMs) {
  const timeout = new AbortController()
  const timer = setTimeout(() => timeout.abort(new DOMException(`The answer took longer than ${timeoutMs} ms`, 'TimeoutError')), timeoutMs)
  if (callerSignal === undefined || callerSignal === null) {
    return { signal: timeout.signal, done: () => clearTimeout(timer) }
  }
  if (typeof AbortSignal.any === 'function') {
    return { signal: AbortSignal.any([callerSignal, timeout.signal]), done: () => clearTimeout(timer) }
  }
  // Node before 20.3: the caller's abort is passed on for as long as the signal lives.
  if (callerSignal.aborted) timeout.abort(callerSignal.reason)
  else onAbort(callerSignal, () => timeout.abort(callerSignal.reason))
  return { signal: timeout.signal, done: () => clearTimeout(timer) }
}

/**
 * What fetch would make of `input` and `init`: the URL resolved against the service URL, the
 * method, headers, body (still as given: `send` reads a stream ahead under the call's signal),
 * signal, redirect mode and the other fields of `init`, given to fetch as they are. Throws
 * fetch's `TypeError`s for what fetch refuses.
 */
function requestOf (input, init, serviceURL) {
  const options = init === undefined || init === null ? {} : init
  const from = isRequest(input) ? input : null
  const url = resolve(from !== null ? from.url : input, serviceURL)
  const method = String(options.method ?? (from !== null ? from.method : 'GET')).toUpperCase()
  const headers = new Headers(options.headers !== undefined ? options.headers : from !== null ? from.headers : undefined)
  const body = options.body !== undefined ? options.body : from !== null ? from.body : null
  if (body !== null && body !== undefined && (method === 'GET' || method === 'HEAD')) {
    throw new TypeError(`Request with ${method} method cannot have body.`)
  }
  const redirect = options.redirect ?? (from !== null ? from.redirect : 'follow')
  if (!REDIRECT_MODES.has(redirect)) throw new TypeError(`redirect must be 'follow', 'error' or 'manual', not ${JSON.stringify(String(redirect))}`)
  const rest = {}
  for (const [key, value] of Object.entries(options)) if (!HANDLED.has(key)) rest[key] = value
  return {
    url,
    method,
    headers,
    body: body ?? null,
    signal: options.signal ?? (from !== null ? from.signal : undefined),
    redirect,
    cache: options.cache ?? (from !== null ? from.cache : undefined),
    rest
  }
}

/** Whether `input` is a fetch `Request` of any fetch stack (undici's, node-fetch's, msw's). */
function isRequest (input) {
  return input !== null && typeof input === 'object' && !(input instanceof URL) &&
    typeof input.url === 'string' && typeof input.method === 'string'
}

/**
 * `input` as an http(s) URL: absolute as given, or relative to the service URL (or to `base`, a
 * redirect's). A URL with a user name or password is refused, as fetch refuses it, without
 * quoting it.
 */
function resolve (input, serviceURL, base = serviceURL) {
  const text = input instanceof URL ? input.href : String(input)
  let url
  try {
    url = originOf(base) === null ? new URL(text) : new URL(text, base)
  } catch {
    throw new TypeError(`Failed to parse URL from ${safeUrl(text)}${originOf(base) === null ? ' (the client\'s serviceURL is not absolute, so a path cannot be resolved against it)' : ''}`)
  }
  if (url.username !== '' || url.password !== '') throw new TypeError('Request cannot be constructed from a URL that includes credentials')
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError(`fetch failed: ${url.protocol} URLs are not fetched`)
  return url
}

/** The origin of an absolute URL, or null for a relative one (Adobe's default serviceURL `/`). */
function originOf (url) {
  try {
    return new URL(url).origin
  } catch {
    return null
  }
}

/**
 * A request body and whether it can be sent again. Strings, bytes, `Blob`s, `FormData` and
 * `URLSearchParams` can. A stream (a web `ReadableStream`, a Node stream or any async iterable)
 * is read ahead up to REPLAYABLE_BODY_BYTES: a shorter one is kept as bytes, a longer one is sent
 * as a stream of what was read and the rest, once.
 */
async function bodyOf (body, signal) {
  if (body === null || body === undefined) return { body: null, replayable: true }
  const chunks = streamOf(body)
  if (chunks === null) return { body, replayable: true }
  const ahead = []
  let size = 0
  for (;;) {
    const { value, done } = await untilAborted(chunks, signal)
    if (done) return { body: Buffer.concat(ahead), replayable: true }
    const chunk = bytesOf(value)
    ahead.push(chunk)
    size += chunk.length
    if (size > REPLAYABLE_BODY_BYTES) break
  }
  async function * rest () {
    yield * ahead
    for (;;) {
      const { value, done } = await chunks.next()
      if (done) return
      yield bytesOf(value)
    }
  }
  return { body: Readable.from(rest(), { objectMode: false }), replayable: false }
}

/**
 * An iterator over a streamed body's chunks (`next`, and `cancel` to let the source go), or null
 * for a body that is not a stream.
 */
function streamOf (body) {
  if (typeof body === 'string' || body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return null
  if (typeof body.getReader === 'function') {
    const reader = body.getReader()
    return { next: () => reader.read(), cancel: (reason) => reader.cancel(reason).catch(() => {}) }
  }
  if (typeof body[Symbol.asyncIterator] === 'function') {
    const iterator = body[Symbol.asyncIterator]()
    return {
      next: () => iterator.next(),
      cancel: () => { if (typeof iterator.return === 'function') Promise.resolve(iterator.return()).catch(() => {}) }
    }
  }
  return null
}

/** The next chunk, or the signal's reason when it aborts first (the source is then let go). */
function untilAborted (chunks, signal) {
  if (signal.aborted) {
    chunks.cancel(signal.reason)
    return Promise.reject(signal.reason)
  }
  return new Promise((resolve, reject) => {
    const stop = () => {
      chunks.cancel(signal.reason)
      reject(signal.reason)
    }
    signal.addEventListener('abort', stop, { once: true })
    chunks.next().then(resolve, reject).finally(() => signal.removeEventListener('abort', stop))
  })
}

function bytesOf (chunk) {
  if (typeof chunk === 'string') return Buffer.from(chunk)
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  if (chunk instanceof ArrayBuffer) return Buffer.from(chunk)
  throw new TypeError('a request body stream must give strings or bytes')
}

/**
 * The headers of one attempt. While the request is credentialed (every hop so far on the service
 * URL's origin): the client's headers, then the request's, then `Authorization` (the managed
 * token or the client's `auth`) and `X-Api-Key` unless the request sets them. Once a redirect
 * has left that origin: the request's own headers, without any credential (`Authorization`,
 * `Cookie`, `X-Api-Key`). The trace context goes everywhere.
 */
function headersFor (host, request, hop, token, trace) {
  const headers = new Headers(hop.credentialed ? host.headers : undefined)
  request.headers.forEach((value, name) => headers.set(name, value))
  if (hop.credentialed) {
    if (!headers.has('authorization')) {
      if (token !== null) headers.set('authorization', `Bearer ${token}`)
      else if (host.authorization !== null) headers.set('authorization', host.authorization)
    }
    const apiKey = host.apiKey()
    if (apiKey !== undefined && !headers.has('x-api-key')) headers.set('x-api-key', apiKey)
  } else if (hop.stripped) {
    for (const name of ORIGIN_ONLY) headers.delete(name)
  }
  if (trace !== null) {
    const context = trace.traceHeaders()
    for (let i = 0; i + 1 < context.length; i += 2) headers.set(context[i], context[i + 1])
  }
  if (hop.body === null && hop.method !== request.method) {
    headers.delete('content-type')
    headers.delete('content-length')
  }
  return headers
}

/** The init of one attempt: redirects come back here, a stream body goes half-duplex. */
function fetchInit (request, hop, headers, signal) {
  const init = { ...request.rest, method: hop.method, headers, signal, redirect: 'manual' }
  if (hop.body !== null) {
    init.body = hop.body
    if (typeof hop.body.pipe === 'function') init.duplex = 'half'
  }
  return init
}

/**
 * The next hop of a redirect, as fetch makes it: 303 (and 301 or 302 after a POST) becomes a GET
 * without a body; 307 and 308 keep method and body, which needs a body that can be sent again
 * (else null). A hop to another origin drops every credential for the rest of the chain. Only
 * http(s) locations are followed, and none with a user name or password.
 */
function redirected (hop, status, location, replayable) {
  const url = resolve(location, hop.url.href, hop.url.href)
  const toGet = (status === 303 && hop.method !== 'GET' && hop.method !== 'HEAD') ||
    ((status === 301 || status === 302) && hop.method === 'POST')
  const leaves = url.origin !== hop.url.origin
  const credentials = { credentialed: hop.credentialed && !leaves, stripped: hop.stripped || leaves }
  if (toGet) return { url, method: 'GET', body: null, ...credentials }
  if (hop.body !== null && !replayable) return null
  return { url, method: hop.method, body: hop.body, ...credentials }
}

/**
 * A fetch's error without the secrets of the headers it was given (nock quotes a request it does
 * not know whole, `Authorization` included): the same error when it holds none, else a copy of
 * the same class, name and `code` whose message (and cause's) the core has redacted, as it redacts
 * every request's.
 */
function withoutSecrets (error, headers) {
  if (error === null || typeof error !== 'object') return error
  const flat = []
  headers.forEach((value, name) => { flat.push(name, value) })
  const clean = (text) => typeof text === 'string' ? native.redactHeaderSecrets(text, flat) : text
  const cause = error.cause !== null && typeof error.cause === 'object' ? error.cause : null
  const texts = [error.message, error.stack, cause && cause.message, cause && cause.stack]
  if (texts.every((text) => clean(text) === text)) return error
  const copy = new (error instanceof TypeError ? TypeError : Error)(clean(String(error.message)),
    cause === null ? undefined : { cause: { name: cause.name, code: cause.code, message: clean(String(cause.message)) } })
  copy.name = error.name
  if (error.code !== undefined) copy.code = error.code
  return copy
}

/** Lets go of an answer that is not the caller's: its body is cancelled, not read. */
function discard (response) {
  if (response.body && typeof response.body.cancel === 'function') response.body.cancel().catch(() => {})
}

/**
 * A failure as the trace and the log see it: the package's error as it is; any other (fetch's
 * `TypeError`, an abort's or timeout's `DOMException`) as its name, message, the last status and
 * the attempts, with the error as `cause`.
 */
function withDetails (error, outcome) {
  if (error !== null && typeof error === 'object' && typeof error.code === 'string' && error.sdkDetails) return error
  const isObject = error !== null && typeof error === 'object'
  const name = isObject && typeof error.name === 'string' ? error.name : 'Error'
  return {
    code: name,
    message: isObject ? String(error.message) : String(error),
    sdkDetails: { status: outcome.status, attempts: outcome.attempts, timeout: name === 'TimeoutError' || undefined },
    cause: error
  }
}

/** The proxy variables Node's own fetch does not read, and the native transport does. */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']

/**
 * The fetch that `authFetch` calls, as the client's options choose it:
 * - their own `fetch`;
 * - `globalThis.fetch`, looked up at each request (where nock, msw and `MockAgent` see it), for
 *   `transport: 'fetch'`, and for the native transport when nothing below applies;
 * - with `ca`, `proxy`, or a proxy variable (`HTTPS_PROXY`, `HTTP_PROXY` with `NO_PROXY`, which
 *   the native transport honours and Node's fetch does not): the `undici` package's fetch over an
 *   agent that trusts exactly `ca` (as Node's `ca` does) and goes through that proxy.
 * Node decides the TLS trust in every case.
 * @param {{fetch?: Function}} options the client's options
 * @param {'supplied' | 'fetch' | 'native'} transport from `transportOf`
 * @param {{ca?: string, proxy?: string, verify: boolean}} connection
 * @returns {() => Function}
 */
function fetchOf (options, transport, { ca, proxy, verify }) {
  if (transport === 'supplied') return () => options.fetch
  const proxied = PROXY_VARIABLES.some((name) => process.env[name])
  if (transport === 'fetch' || (ca === undefined && proxy === undefined && !proxied)) return () => globalThis.fetch
  // The variables as they are when the client is built, as the native transport reads them.
  const environment = {
    httpProxy: process.env.HTTP_PROXY || process.env.http_proxy,
    httpsProxy: process.env.HTTPS_PROXY || process.env.https_proxy,
    noProxy: process.env.NO_PROXY ?? process.env.no_proxy ?? ''
  }
  let own = null
  return () => {
    if (own === null) {
      const undici = require('undici')
      const tls = { rejectUnauthorized: verify, ...(ca === undefined ? {} : { ca }) }
      const dispatcher = proxy !== undefined
        ? new undici.ProxyAgent({ uri: proxy, requestTls: tls })
        : proxied ? new undici.EnvHttpProxyAgent({ ...environment, connect: tls, requestTls: tls }) : new undici.Agent({ connect: tls })
      own = async (url, init) => asGlobalResponse(await undici.fetch(url, { ...init, dispatcher }))
    }
    return own
  }
}

/**
 * The `undici` package's response as the global `Response` the app knows (`instanceof Response`
 * holds), its body the same stream, still unread.
 */
function asGlobalResponse (response) {
  if (response instanceof Response) return response
  const body = NULL_BODY_STATUSES.has(response.status) ? null : response.body
  const global = new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
  Object.defineProperty(global, 'url', { value: response.url })
  Object.defineProperty(global, 'redirected', { value: response.redirected })
  return global
}

module.exports = { createAuthFetch, fetchOf, isRequest, resolve }
