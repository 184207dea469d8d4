'use strict'

const { openAsBlob } = require('node:fs')
const native = require('../binding.js')
const { sdkError } = require('./errors')
const { headerRecord } = require('./options')
const { fetchOf } = require('./app-fetch')
const { throughJavaScript } = require('./network')

/** The environment variable that sends every request of the package through `globalThis.fetch`. */
const TRANSPORT_VARIABLE = 'AEM_HEADLESS_TRANSPORT'

/** Error codes of Node, undici and nock for a connection that was never made: safe to send again. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT'
])

/** Node's (OpenSSL's) codes for a refused server certificate: nothing about it is transient. */
const CERTIFICATE_CODES = /^(ERR_TLS_CERT_ALTNAME_INVALID|CERT_[A-Z_]+|UNABLE_TO_[A-Z_]+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|INVALID_CA|INVALID_PURPOSE|HOSTNAME_MISMATCH)$/

/** The status of an answer with `ok: false` and no status: an error, not retried. */
const STATUS_WITHOUT_OK = 400

/** Header names as Adobe's client spells them in the options it gives `fetch`. */
const SPELLINGS = new Map([['content-type', 'Content-Type'], ['authorization', 'Authorization'], ['x-api-key', 'X-Api-Key']])

/**
 * How the requests of a client, a token provider or a token request go, as `options` ask:
 * - `options.fetch`, a function: the app's own fetch, called as Adobe's client calls it,
 *   `fetch(url, options, retryOptions)`. It owns retries (the core makes one attempt per call).
 * - `options.transport` `'fetch'` (or `AEM_HEADLESS_TRANSPORT=fetch` when the option is unset):
 *   `globalThis.fetch`, looked up at each request. The core retries, as on the native transport.
 * - `'native'`: the native HTTP client.
 * - `'auto'`, the default: the native client, unless a test runner runs the process or the app
 *   has replaced part of Node's network (lib/network.js, checked at each request); then the
 *   fetch that reaches what it put there (lib/app-fetch.js).
 * `app` is the transport through JavaScript (with `'native'`, the client's own fetch: answers
 * that stream to their callers go through it); `now()` what carries a request made now: `app`,
 * or `undefined` for the native client.
 * @param {{fetch?: unknown, transport?: unknown} | undefined} options
 * @param {string} prefix how the options are named in messages (`''` or `'options.'`)
 * @param {{ca?: string | Buffer | Array<string | Buffer>, proxy?: string}} [connection] the
 *   trust and proxy of the client's own fetch in `'auto'` mode
 * @returns {{chosen: 'supplied' | 'fetch' | 'native' | 'auto', app: import('../binding').FetchTransport,
 *   now: () => import('../binding').FetchTransport | undefined}}
 */
function routeFor (options, prefix = '', connection = {}) {
  const chosen = transportOf(options, prefix)
  const app = fetchTransport(fetchOf(options, chosen, { ...connection, verify: process.env.NODE_TLS_REJECT_UNAUTHORIZED !== '0' }), chosen === 'supplied')
  if (chosen === 'native') return { chosen, app, now: () => undefined }
  if (chosen !== 'auto') return { chosen, app, now: () => app }
  return { chosen, app, now: () => throughJavaScript() ? app : undefined }
}

/**
 * Which transport `options` ask for: `'supplied'` (their own `fetch`), `'fetch'`
 * (`globalThis.fetch`), `'native'` or `'auto'`; the one check of the `fetch` and `transport`
 * options and of `AEM_HEADLESS_TRANSPORT`.
 * @param {{fetch?: unknown, transport?: unknown} | undefined} options
 * @param {string} prefix how the options are named in messages
 * @returns {'supplied' | 'fetch' | 'native' | 'auto'}
 */
function transportOf (options, prefix = '') {
  const { fetch, transport } = options || {}
  if (fetch !== undefined && fetch !== null) {
    if (typeof fetch !== 'function') {
      throw sdkError('INVALID_PARAM', `${prefix}fetch must be a function with the Fetch API's signature, not ${typeof fetch}`)
    }
    return 'supplied'
  }
  const fromEnvironment = transport === undefined || transport === null
  const chosen = fromEnvironment ? process.env[TRANSPORT_VARIABLE] || 'auto' : transport
  if (chosen === 'native' || chosen === 'fetch' || chosen === 'auto') return chosen
  const what = fromEnvironment ? TRANSPORT_VARIABLE : `${prefix}transport`
  throw sdkError('INVALID_PARAM', `${what} must be 'auto', 'native' or 'fetch', not ${JSON.stringify(String(chosen))}`)
}

/**
 * A native `FetchTransport` over the `fetch` that `currentFetch()` returns at each request. Each
 * request is one hop (`redirect: 'manual'`): the core follows redirects, retries and decides what
 * goes where. `send` hands every answer back through `native.settleFetch`,
 * `native.settleFetchUnread` or `native.failFetch`, and never throws; it holds nothing of the
 * transport, which holds it, so a client's transport is freed with the client.
 * - With `call.bodyLimit`, the answer's body is read as it streams and cancelled past the limit.
 * - Without it, the answer is held, unread, under the request's id, for `takeAnswer` to give it
 *   to the caller (`authFetch`).
 * `cancel` aborts a request the core gave up on (its timeout, the call's signal), also one whose
 * `send` has not run yet, and lets go of an answer held for a caller that is gone.
 */
function fetchTransport (currentFetch, suppliedByApp) {
  const inFlight = new Map()
  const cancelledBeforeSent = new Set()
  /** The core's waits (retries, timeouts), as timers of this realm's own (fake ones under a test runner's clock). */
  const timers = new Map()
  const timer = ({ id, ms }) => {
    timers.set(id, setTimeout(() => {
      timers.delete(id)
      native.settleTimer(id)
    }, ms))
  }
  const send = async (call) => {
    if (cancelledBeforeSent.delete(call.id)) return
    const controller = new AbortController()
    inFlight.set(call.id, controller)
    try {
      const fetch = currentFetch()
      if (typeof fetch !== 'function') return native.failFetch(call.id, 'globalThis.fetch is not a function', 'request')
      // The fields of the app's init that no rule is about, under what the core decided.
      const held = call.initId === undefined || call.initId === null ? undefined : heldRequests.get(call.initId)
      const options = { ...(held !== undefined ? held.init : {}), method: call.method, headers: headersObject(call.headers), signal: controller.signal, redirect: 'manual' }
      if (call.body !== undefined && call.body !== null) options.body = call.body
      else if (call.bodyFile !== undefined && call.bodyFile !== null) {
        // A part of an upload: the file's range, read from disk as fetch sends it.
        const { path, start, len } = call.bodyFile
        options.body = (await openAsBlob(path)).slice(start, start + len)
      } else if (held !== undefined && held.body !== null && call.bodyId !== undefined && call.bodyId !== null) {
        options.body = held.body
        if (typeof held.body.pipe === 'function' || typeof held.body.getReader === 'function') options.duplex = 'half'
      }
      const retryOptions = suppliedByApp ? { maxRetries: call.maxRetries, initialDelayInMillis: call.initialDelayMs } : { maxRetries: 0 }
      const response = await fetch(call.url, options, retryOptions)
      if (held !== undefined) held.failure = undefined
      const head = headOf(response)
      if (head.error !== undefined) return native.failFetch(call.id, head.error, 'answer')
      // Held unread: an answer for the caller (authFetch), and one the core may retry (429,
      // 5xx), which it decides on from the head alone, as Adobe's client does, so that its
      // wait starts at once (a test runner's fake clock finds it there); it reads the body only
      // of the answer it ends with.
      if (call.bodyLimit === undefined || call.bodyLimit === null || head.status === 429 || head.status >= 500) {
        heldAnswers.set(call.id, { response, controller, status: head.status })
        return native.settleFetchUnread(call.id, head.status, head.headers, true)
      }
      let read
      try {
        read = await readBounded(response, call.bodyLimit, false)
      } catch (error) {
        return native.failFetch(call.id, `its body cannot be read (${[messageOf(error), causeOf(error)].filter(Boolean).join(': ')})`, 'answer')
      }
      if (read.chunks === undefined) native.settleFetchUnread(call.id, head.status, head.headers, false)
      else native.settleFetch(call.id, head.status, head.headers, read.chunks)
    } catch (error) {
      // The caller that holds parts of this request (authFetch) rethrows fetch's own error,
      // without the secrets of the headers it was given.
      const held = call.initId === undefined || call.initId === null ? undefined : heldRequests.get(call.initId)
      if (held !== undefined) held.failure = withoutSecrets(error, call.headers)
      native.failFetch(call.id, messageOf(error), failureOf(error), causeOf(error))
    } finally {
      inFlight.delete(call.id)
    }
  }
  const cancel = (id) => {
    const pending = timers.get(id)
    if (pending !== undefined) {
      timers.delete(id)
      return clearTimeout(pending)
    }
    const held = heldAnswers.get(id)
    if (held !== undefined) {
      heldAnswers.delete(id)
      return discard(held.response)
    }
    const controller = inFlight.get(id)
    if (controller !== undefined) return controller.abort()
    // A cancel that crossed its own answer on the way is never claimed: keep the set small.
    if (cancelledBeforeSent.size >= 1000) cancelledBeforeSent.clear()
    cancelledBeforeSent.add(id)
  }
  const read = async ({ id, waiter, limit, keep }) => {
    const held = heldAnswers.get(id)
    heldAnswers.delete(id)
    if (held === undefined) return native.failFetch(waiter, 'the held answer is gone', 'answer')
    try {
      const read = await readBounded(held.response, limit, keep)
      if (read.chunks !== undefined) return native.settleFetch(waiter, held.status, [], read.chunks)
      // Past the limit, kept: the same answer, its body what was read and the rest, held again.
      if (read.whole !== undefined) heldAnswers.set(id, { ...held, response: read.whole })
      native.settleFetchUnread(waiter, held.status, [], read.whole !== undefined)
    } catch (error) {
      native.failFetch(waiter, `its body cannot be read (${[messageOf(error), causeOf(error)].filter(Boolean).join(': ')})`, 'answer')
    }
  }
  return new native.FetchTransport(send, cancel, read, timer, suppliedByApp)
}

/**
 * A call of the binding polled on the JavaScript thread (`requestLocal`, `authFetch`,
 * `fetchTokenLocal`), as a promise: `start(done)` starts it, and `done(error, value)` settles it,
 * an error as the binding's own (its message read by `fromNative`).
 * @template T
 * @param {(done: (error: string | null, value: T) => void) => void} start
 * @returns {Promise<T>}
 */
function localCall (start) {
  return new Promise((resolve, reject) => {
    start((error, value) => {
      if (error === null || error === undefined) resolve(value)
      else reject(new Error(error))
    })
  })
}

/**
 * One token request for loaded credentials, by `route` (`routeFor`): through the app's
 * transport when it carries a request made now (polled on this thread, where its fetch answers),
 * else through the native client.
 */
function fetchTokenThrough (loaded, options, route) {
  const transport = route.now()
  if (transport === undefined) return native.fetchTokenFor(loaded, options)
  return localCall((done) => native.fetchTokenLocal(loaded, options, transport, done))
}

/** Requests the JavaScript side holds parts of for the core, by id: `{body, init}`. */
const heldRequests = new Map()
let nextRequestId = 1

/**
 * Holds the parts of a request the core does not carry (a body that is not a text: a stream, bytes,
 * a `Blob`, `FormData`; and fields of fetch's `init` that no rule is about) for a fetch transport to
 * add to every hop, by id, until `release` is called. `failure()` is the error the last hop's
 * fetch threw, if it threw, without the secrets of its request.
 * @param {{body: unknown, init: object}} parts
 * @returns {{id: number, hasBody: boolean, failure: () => unknown, release: () => void}}
 */
function holdRequest ({ body, init }) {
  const id = nextRequestId++
  if (nextRequestId > 0xffffffff) nextRequestId = 1
  const held = { body: body ?? null, init, failure: undefined }
  heldRequests.set(id, held)
  return { id, hasBody: held.body !== null, failure: () => held.failure, release: () => heldRequests.delete(id) }
}

/**
 * A fetch's error without the secrets of the headers it was given (names and values in turn; nock
 * quotes a request it does not know whole, `Authorization` included): the same error when it
 * holds none, else a copy of the same class, name and `code` whose message (and cause's) the core
 * has redacted, as it redacts every request's.
 */
function withoutSecrets (error, headers) {
  if (error === null || typeof error !== 'object') return error
  const clean = (text) => typeof text === 'string' ? native.redactSecrets(text, headers) : text
  const cause = error.cause !== null && typeof error.cause === 'object' ? error.cause : null
  const texts = [error.message, error.stack, cause && cause.message, cause && cause.stack]
  if (texts.every((text) => clean(text) === text)) return error
  const copy = new (error.name === 'TypeError' ? TypeError : Error)(clean(String(error.message)),
    cause === null ? undefined : { cause: { name: cause.name, code: cause.code, message: clean(String(cause.message)) } })
  copy.name = error.name
  if (error.code !== undefined) copy.code = error.code
  return copy
}

/** Answers held for their callers (`BodyRead::Hold`), by request id: `{response, controller, status}`. */
const heldAnswers = new Map()

/**
 * The answer held under `id`, now the caller's (the core handed it over): its response, and the
 * controller that aborts it.
 * @returns {{response: object, controller: AbortController} | undefined}
 */
function takeAnswer (id) {
  const held = heldAnswers.get(id)
  heldAnswers.delete(id)
  return held
}

/** Lets go of an answer that is not the caller's: its body is cancelled, not read. */
function discard (response) {
  const body = response && response.body
  if (body && typeof body.cancel === 'function') body.cancel().catch(() => {})
  else if (body && typeof body.destroy === 'function') body.destroy()
}

/**
 * An answer's body, read as it streams: `{chunks}`, or, once they pass `limit` bytes, `{}` (the
 * stream cancelled, the rest never read) or with `keep` `{whole}`, the same answer whose body is
 * what was read and the rest, for its caller. A `Content-Length` over the limit is known before
 * anything is read. Doubles without a stream are read by `arrayBuffer()`, `text()` or `json()`,
 * and measured after.
 * @returns {Promise<{chunks?: Uint8Array[], whole?: Response}>}
 */
async function readBounded (response, limit, keep) {
  const length = Number(headerOf(response.headers, 'content-length'))
  if (Number.isFinite(length) && length > limit) {
    if (keep) return { whole: response }
    discard(response)
    return {}
  }
  const chunks = []
  let size = 0
  const body = response.body
  if (body && typeof body.getReader === 'function') {
    const reader = body.getReader()
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return { chunks }
      size += value.byteLength
      chunks.push(value)
      if (size > limit) {
        if (keep) return { whole: rejoined(response, chunks, reader) }
        reader.cancel().catch(() => {})
        return {}
      }
    }
  }
  if (body && typeof body[Symbol.asyncIterator] === 'function') {
    for await (const chunk of body) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
      size += bytes.byteLength
      if (size > limit) {
        if (typeof body.destroy === 'function') body.destroy()
        return {}
      }
      chunks.push(bytes)
    }
    return { chunks }
  }
  const whole = await bodyOf(response)
  if (whole === undefined) return { chunks }
  return whole.byteLength > limit ? {} : { chunks: [whole] }
}

/** `response` again, its body the `chunks` already read and then the rest of `reader`. */
function rejoined (response, chunks, reader) {
  const stream = new ReadableStream({
    pull: async (controller) => {
      if (chunks.length > 0) return controller.enqueue(chunks.shift())
      const { value, done } = await reader.read()
      if (done) controller.close()
      else controller.enqueue(value)
    },
    cancel: (reason) => reader.cancel(reason)
  })
  const again = new Response(stream, { status: response.status, statusText: response.statusText, headers: response.headers })
  try {
    Object.defineProperty(again, 'url', { value: response.url })
  } catch {}
  return again
}

/** A header of an answer of any fetch stack (`Headers`, a plain object), or null. */
function headerOf (headers, name) {
  if (headers === undefined || headers === null) return null
  if (typeof headers.get === 'function') return headers.get(name)
  const found = Object.keys(headers).find((key) => key.toLowerCase() === name)
  return found === undefined ? null : headers[found]
}

/** `[name, value, …]` as the plain object Adobe's client gives `fetch`, its names spelled as Adobe spells them. */
function headersObject (flat) {
  const headers = {}
  for (let i = 0; i + 1 < flat.length; i += 2) headers[SPELLINGS.get(flat[i]) || flat[i]] = flat[i + 1]
  return headers
}

/**
 * What the core needs of a fetch answer's head: `status` and `headers` when present. Without a
 * status, `ok` decides, as it does in Adobe's client: `ok: true` is 200, and `ok: false` is 400,
 * an error whose body is read as AEM's and that is not retried.
 */
function headOf (response) {
  if (response === null || typeof response !== 'object') {
    return { error: `it resolved with ${response === null ? 'null' : typeof response}, not a response` }
  }
  let status = response.status
  if (!Number.isInteger(status)) {
    if (typeof response.ok !== 'boolean') return { error: 'it has neither status nor ok' }
    status = response.ok ? 200 : STATUS_WITHOUT_OK
  }
  return { status, headers: headerPairs(response.headers) }
}

/** The body's bytes: `arrayBuffer()`, else `text()`, else `json()` serialized again. */
async function bodyOf (response) {
  if (typeof response.arrayBuffer === 'function') return Buffer.from(await response.arrayBuffer())
  if (typeof response.text === 'function') return Buffer.from(String(await response.text()))
  if (typeof response.json === 'function') {
    const text = JSON.stringify(await response.json())
    return text === undefined ? undefined : Buffer.from(text)
  }
  return undefined
}

/** Response headers as `[name, value, …]`, from `Headers` (its `forEach`) or any shape `headerRecord` reads. */
function headerPairs (headers) {
  const flat = []
  if (headers === undefined || headers === null) return flat
  try {
    if (typeof headers.forEach === 'function' && !Array.isArray(headers) && !(headers instanceof Map)) {
      headers.forEach((value, name) => { flat.push(String(name), String(value)) })
      return flat
    }
    return Object.entries(headerRecord(headers, 'headers') || {}).flat()
  } catch {
    // Headers of a shape no fetch stack has are left out, as from a double that has none.
    return []
  }
}

/** A fetch error in words, with its cause (undici's `fetch failed` says why in its cause). */
function messageOf (error) {
  if (error === null || typeof error !== 'object') return `fetch rejected with ${String(error)}`
  return typeof error.message === 'string' ? error.message : `fetch rejected with a ${error.constructor ? error.constructor.name : 'value'} that is not an Error`
}

/** What a fetch's error says lies underneath it (undici's `fetch failed` has its reason there), if anything. */
function causeOf (error) {
  const cause = error !== null && typeof error === 'object' && error.cause && typeof error.cause.message === 'string' ? error.cause.message : ''
  return cause !== '' && cause !== error.message ? cause : undefined
}

/** Which kind of failure the core sees: `connect`, `timeout` or `request`. */
function failureOf (error) {
  if (error === null || typeof error !== 'object') return 'request'
  if (error.name === 'TimeoutError') return 'timeout'
  const code = error.code || (error.cause && error.cause.code)
  if (CERTIFICATE_CODES.test(code)) return 'certificate'
  return CONNECT_CODES.has(code) ? 'connect' : 'request'
}

module.exports = { routeFor, transportOf, fetchTransport, localCall, fetchTokenThrough, failureOf, holdRequest, takeAnswer, discard, readBounded, TRANSPORT_VARIABLE }
