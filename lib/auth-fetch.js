'use strict'

// `authFetch`: the Fetch API for any AEM API (the OpenAPI-based Sites, Assets and Folders APIs,
// Content Fragment Delivery, Sling, …), with the client's managed token. It takes what fetch takes
// and resolves with fetch's own `Response` for every status, its body unread, so answers and
// request bodies stream. It is a caller of the core's request loop (src/http/send.rs), as every
// request of the client is: the client's headers, `Authorization` (the managed token, or the
// client's `auth`) and `X-Api-Key` go to the service URL's origin only; redirects, retries and the
// timeout on the answer's headers are the core's rules, each hop sent through the client's fetch
// (lib/fetch-transport.js) with `redirect: 'manual'`. A 401 from AEM's origin refreshes the token
// once (lib/managed-token.js). Here: what fetch would make of the arguments, a streamed body read
// ahead so that it can be sent again, the answer handed to the caller with the caller's signal
// on its body, and failures as fetch has them.

const { Readable } = require('node:stream')
const native = require('../binding.js')
const { requestTrace } = require('./tracing')
const { requestEvent } = require('./logger')
const { holdRequest, takeAnswer, discard, localCall } = require('./fetch-transport')
const { onAbort, cancelTokenFor } = require('./abort')
const { cachedResponse } = require('./raw-answer')
const { AEMHeadlessError, fromNative } = require('./errors')
const { withManagedToken } = require('./managed-token')

/** The redirect modes of fetch. */
const REDIRECT_MODES = new Set(['follow', 'error', 'manual'])
/**
 * How much of a streamed request body is read ahead: a shorter one is kept and can be sent again
 * (a retry, a 401, a 307); a longer one streams on and is sent once.
 */
const REPLAYABLE_BODY_BYTES = 1 << 20
/** The fields of a `RequestInit` that authFetch handles itself; the others go to fetch as given. */
const HANDLED = new Set(['method', 'headers', 'body', 'signal', 'redirect', 'duplex', 'window'])

/**
 * The `authFetch` of a client.
 * @param {object} host what the client gives it
 * @param {string} host.serviceURL the AEM host, with its trailing `/`
 * @param {import('../binding').NativeClient} host.native the client's core, whose request loop sends
 * @param {object | null} host.tokens the token provider, or null without one
 * @param {() => string | undefined} host.apiKey the `X-Api-Key` to send to AEM's origin, if any
 * @param {number} host.timeoutMs the longest the answer's headers may take, retries included
 * @param {((level: string, event: object) => void) | null} host.log
 * @param {(url: URL) => object | null} host.target where a request goes, for OpenTelemetry
 * @param {Function | null} host.cachedGet a GET through the client's cache (lib/raw-answer.js), or
 *   null without a cache
 * @param {{maxRetries: number} | undefined} host.retries the client's own retries, when its fetch
 *   owns them
 * @returns {(input: string | URL | Request, init?: RequestInit) => Promise<Response>}
 */
function createAuthFetch (host) {
  // Parsed at the first call: a client that never calls authFetch parses nothing for it.
  let origin
  return async function authFetch (input, init = undefined) {
    if (origin === undefined) origin = originOf(host.serviceURL)
    const request = requestOf(input, init, host.serviceURL)
    if (host.cachedGet !== null && joinsCache(request, host.serviceURL)) {
      const cached = await throughCache(host.cachedGet, request, host.serviceURL)
      if (cached !== null) return cached
    }
    const url = native.redactUrl(request.url.href)
    const trace = requestTrace({ method: request.method, operation: 'authFetch' }, '', url, host.target(request.url), 0)
    const startedAt = host.log === null ? 0 : performance.now()
    const outcome = { status: undefined, attempts: 0, cached: false }
    const traced = async () => {
      try {
        const response = await send(host, origin, request, url, outcome, trace)
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
    const response = await cachedResponse(cachedGet, request.url, serviceURL, { headers: request.headers, signal: request.signal })
    if (response !== null) followSignal(response.held, request.signal)
    return response === null ? null : response.response
  } catch (error) {
    throw fetchError(error, request.signal)
  }
}

/**
 * Sends `request` through the core's request loop, with the managed token for AEM's origin, and
 * resolves with the caller's `Response`. `outcome` follows the requests sent and the last status.
 */
async function send (host, origin, request, url, outcome, trace) {
  const signal = request.signal
  try {
    const { body, replayable } = await bodyOf(withBodyType(request), signal)
    const headers = []
    request.headers.forEach((value, name) => { headers.push(name, value) })
    if (trace !== null) headers.push(...trace.traceHeaders())
    const text = typeof body === 'string' ? body : undefined
    // What the core does not carry (a body that is not a text, the other fields of init), and
    // fetch's own error should the last hop fail.
    const held = holdRequest({ body: text === undefined ? body : null, init: request.rest })
    try {
      const sendWith = (token, timeoutMs) => sendOnce(host, request, {
        method: request.method,
        url: request.url.href,
        headers: withApiKey(headers, host.apiKey()),
        body: text,
        bodyId: held.hasBody ? held.id : undefined,
        initId: held.id,
        replayable,
        redirect: request.redirect,
        timeoutMs,
        retries: host.retries,
        token: token ?? undefined
      }, outcome)
      const managed = host.tokens !== null && !request.headers.has('authorization') && request.url.origin === origin
      const answer = managed
        ? await withManagedToken(host.tokens, {
          signal,
          timeout: host.timeoutMs,
          base: { serviceURL: host.serviceURL, endpoint: url },
          canResend: replayable,
          log: host.log,
          url
        }, sendWith, ({ value }) => value !== undefined && value.status === 401 && value.credentialed, (value) => discard(value.held.response))
        : await sendWith(null, host.timeoutMs)
      followSignal(answer.held, signal)
      return answer.redirected ? markRedirected(answer.held.response, answer.url) : answer.held.response
    } catch (error) {
      // The client's fetch threw on the last hop: its own error, as a plain fetch would reject.
      const thrown = held.failure()
      throw thrown !== undefined && !(signal && signal.aborted) && !isTimeout(error) ? thrown : error
    } finally {
      held.release()
    }
  } catch (error) {
    throw fetchError(error, signal)
  }
}

/** Whether the call ran out of time (the core's timeout, not fetch's own failure). */
function isTimeout (error) {
  return error instanceof AEMHeadlessError && error.sdkDetails.timeout === true
}

/** One send through the core's loop, under the caller's signal: its answer, with the caller's response taken. */
async function sendOnce (host, request, call, outcome) {
  const signal = request.signal
  const { token: cancel, release } = cancelTokenFor(signal, native.CancelToken)
  try {
    const answer = await localCall((done) => host.native.authFetch(call, cancel, done))
    outcome.attempts += answer.attempts
    outcome.status = answer.status
    const held = answer.id === undefined || answer.id === null ? undefined : takeAnswer(answer.id)
    if (held === undefined) throw new TypeError('fetch failed: the answer is gone')
    return { ...answer, held }
  } catch (error) {
    if (signal && signal.aborted) throw signal.reason
    throw error instanceof AEMHeadlessError || error instanceof TypeError ? error : fromNative(error, { serviceURL: host.serviceURL, endpoint: native.redactUrl(call.url) })
  } finally {
    release()
  }
}

/** `headers` (names and values in turn) with `X-Api-Key`, unless they hold one: the core sends it to AEM's origin only. */
function withApiKey (headers, apiKey) {
  if (apiKey === undefined) return headers
  for (let i = 0; i < headers.length; i += 2) if (headers[i].toLowerCase() === 'x-api-key') return headers
  return [...headers, 'x-api-key', apiKey]
}

/** Keeps a response's controller alive with the response, for `followSignal`. */
const CONTROLLER = Symbol('controller')

/**
 * Lets the caller's `signal` abort a handed-over answer's body: one listener on the signal (shared
 * by every call that gives it, lib/abort.js) whose handler reaches the answer's controller through
 * a weak reference, and that is removed once the response is collected. A long-lived signal given
 * to many calls holds nothing of them.
 */
const forget = new FinalizationRegistry((stop) => stop())
function followSignal (held, signal) {
  if (held === undefined || signal === undefined || signal === null) return
  const { response, controller } = held
  if (signal.aborted) return controller.abort(signal.reason)
  try {
    Object.defineProperty(response, CONTROLLER, { value: controller })
  } catch {
    return
  }
  const weak = new WeakRef(controller)
  const stop = onAbort(signal, () => { const each = weak.deref(); if (each !== undefined) each.abort(signal.reason) })
  forget.register(response, stop)
}

/**
 * A failure as fetch has it: an abort with the signal's reason, a timeout with a `TimeoutError`,
 * a refused input with a `TypeError`, anything else with `TypeError('fetch failed')` whose cause
 * is the client's error (which says why, without secrets).
 */
function fetchError (error, signal) {
  if (signal && signal.aborted) return signal.reason
  if (!(error instanceof AEMHeadlessError)) return error
  if (error.sdkDetails.timeout) return new DOMException(error.message, { name: 'TimeoutError', cause: error })
  if (error.code === 'INVALID_PARAM') return new TypeError(error.message, { cause: error })
  return new TypeError('fetch failed', { cause: error })
}

/** The answer after redirects, with `redirected` and `url` saying so, as fetch's own does. */
function markRedirected (response, url) {
  try {
    Object.defineProperty(response, 'redirected', { value: true })
    Object.defineProperty(response, 'url', { value: url })
  } catch {}
  return response
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
    throw new TypeError(`Failed to parse URL from ${native.redactUrl(text)}${originOf(base) === null ? ' (the client\'s serviceURL is not absolute, so a path cannot be resolved against it)' : ''}`)
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
 * The request's body, with the `Content-Type` fetch would give it unless the caller set one:
 * `FormData` as its `multipart/form-data` bytes (with their boundary), encoded here so that a
 * `FormData` of any realm (Node's own, undici's, a test runner's) reaches any fetch as bytes; a
 * `Blob` with its `type`; `URLSearchParams` as a form. Others (strings, bytes, streams) as given.
 */
function withBodyType (request) {
  const body = request.body
  if (body === null || body === undefined || typeof body !== 'object') return body
  const kind = Object.prototype.toString.call(body)
  let type
  let encoded = body
  if (kind === '[object FormData]') {
    const response = new Response(isOwnFormData(body) ? body : copyFormData(body))
    type = response.headers.get('content-type')
    encoded = response.body
  } else if (kind === '[object Blob]' || kind === '[object File]') {
    type = body.type || undefined
  } else if (kind === '[object URLSearchParams]') {
    type = 'application/x-www-form-urlencoded;charset=UTF-8'
    encoded = body.toString()
  }
  if (type !== undefined && !request.headers.has('content-type')) request.headers.set('content-type', type)
  return encoded
}

function isOwnFormData (body) {
  return body instanceof FormData
}

/** A `FormData` of another realm as this realm's. */
function copyFormData (body) {
  const copy = new FormData()
  for (const [name, value] of body.entries()) {
    if (typeof value === 'string') copy.append(name, value)
    else copy.append(name, value, value.name)
  }
  return copy
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
  if (signal === undefined || signal === null) return chunks.next()
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

module.exports = { createAuthFetch, isRequest, resolve }
