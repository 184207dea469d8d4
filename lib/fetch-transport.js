'use strict'

const native = require('../binding.js')
const { sdkError } = require('./errors')
const { headerRecord } = require('./options')

/** The environment variable that sends every request of the package through `globalThis.fetch`. */
const TRANSPORT_VARIABLE = 'AEM_HEADLESS_TRANSPORT'

/** Error codes of Node, undici and nock for a connection that was never made: safe to send again. */
const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN',
  'UND_ERR_CONNECT_TIMEOUT'
])

/** The status of an answer with `ok: false` and no status: an error, not retried. */
const STATUS_WITHOUT_OK = 400

/** Header names as Adobe's client spells them in the options it gives `fetch`. */
const SPELLINGS = new Map([['content-type', 'Content-Type'], ['authorization', 'Authorization'], ['x-api-key', 'X-Api-Key']])

/**
 * The transport that `options` ask for, for a client, a token provider or a token request:
 * - `options.fetch`, a function: the app's own fetch, called as Adobe's client calls it,
 *   `fetch(url, options, retryOptions)`. It owns retries (the core makes one attempt per call).
 * - `options.transport` `'fetch'`, or `AEM_HEADLESS_TRANSPORT=fetch` when the option is unset:
 *   `globalThis.fetch`, looked up at each request, so that nock, msw, undici's `MockAgent` and
 *   jest-fetch-mock see every request. The core retries, as on the native transport.
 * - otherwise `undefined`: the native HTTP client.
 * @param {{fetch?: unknown, transport?: unknown} | undefined} options
 * @param {string} prefix how the options are named in messages (`''` or `'options.'`)
 * @returns {import('../binding').FetchTransport | undefined}
 */
function transportFor (options, prefix = '') {
  const chosen = transportOf(options, prefix)
  if (chosen === 'supplied') return fetchTransport(() => options.fetch, true)
  if (chosen === 'fetch') return fetchTransport(() => globalThis.fetch, false)
  return undefined
}

/**
 * Which transport `options` ask for: `'supplied'` (their own `fetch`), `'fetch'`
 * (`globalThis.fetch`) or `'native'`; the one check of the `fetch` and `transport` options.
 * @param {{fetch?: unknown, transport?: unknown} | undefined} options
 * @param {string} prefix how the options are named in messages
 * @returns {'supplied' | 'fetch' | 'native'}
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
  const chosen = fromEnvironment ? process.env[TRANSPORT_VARIABLE] || 'native' : transport
  if (chosen === 'native' || chosen === 'fetch') return chosen
  const what = fromEnvironment ? TRANSPORT_VARIABLE : `${prefix}transport`
  throw sdkError('INVALID_PARAM', `${what} must be 'native' or 'fetch', not ${JSON.stringify(String(chosen))}`)
}

/**
 * A native `FetchTransport` over the `fetch` that `currentFetch()` returns at each request.
 * `send` hands every answer back through `native.settleFetch` or `native.failFetch`, and never
 * throws; it holds nothing of the transport, which holds it, so a client's transport is freed
 * with the client. `cancel` aborts a request the core gave up on (its timeout, the call's signal),
 * also one whose `send` has not run yet.
 */
function fetchTransport (currentFetch, suppliedByApp) {
  const inFlight = new Map()
  const cancelledBeforeSent = new Set()
  const send = async (call) => {
    if (cancelledBeforeSent.delete(call.id)) return
    const controller = new AbortController()
    inFlight.set(call.id, controller)
    try {
      const fetch = currentFetch()
      if (typeof fetch !== 'function') return native.failFetch(call.id, 'globalThis.fetch is not a function', 'request')
      const options = { method: call.method, headers: headersObject(call.headers), signal: controller.signal }
      if (call.body !== undefined && call.body !== null) options.body = call.body
      const retryOptions = suppliedByApp ? { maxRetries: call.maxRetries, initialDelayInMillis: call.initialDelayMs } : { maxRetries: 0 }
      const answer = await answerOf(await fetch(call.url, options, retryOptions))
      if (answer.error !== undefined) native.failFetch(call.id, answer.error, 'answer')
      else native.settleFetch(call.id, answer.status, answer.headers, answer.body)
    } catch (error) {
      native.failFetch(call.id, messageOf(error), failureOf(error))
    } finally {
      inFlight.delete(call.id)
    }
  }
  const cancel = (id) => {
    const controller = inFlight.get(id)
    if (controller !== undefined) return controller.abort()
    // A cancel that crossed its own answer on the way is never claimed: keep the set small.
    if (cancelledBeforeSent.size >= 1000) cancelledBeforeSent.clear()
    cancelledBeforeSent.add(id)
  }
  return new native.FetchTransport(send, cancel, suppliedByApp)
}

/** `[name, value, …]` as the plain object Adobe's client gives `fetch`, its names spelled as Adobe spells them. */
function headersObject (flat) {
  const headers = {}
  for (let i = 0; i + 1 < flat.length; i += 2) headers[SPELLINGS.get(flat[i]) || flat[i]] = flat[i + 1]
  return headers
}

/**
 * What the core needs of a fetch answer, read through fetch's interface: `status`, `headers`
 * when present, the body by `text()` or else `json()`. Without a status, `ok` decides, as it
 * does in Adobe's client: `ok: true` is 200, and `ok: false` is 400, an error whose body is
 * read as AEM's and that is not retried. A body that cannot be read is a RESPONSE_ERROR.
 */
async function answerOf (response) {
  if (response === null || typeof response !== 'object') {
    return { error: `it resolved with ${response === null ? 'null' : typeof response}, not a response` }
  }
  let status = response.status
  if (!Number.isInteger(status)) {
    if (typeof response.ok !== 'boolean') return { error: 'it has neither status nor ok' }
    status = response.ok ? 200 : STATUS_WITHOUT_OK
  }
  let body
  try {
    body = await bodyOf(response)
  } catch (error) {
    return { error: `its body cannot be read (${messageOf(error)})` }
  }
  return { status, headers: headerPairs(response.headers), body }
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
  const message = typeof error.message === 'string' ? error.message : `fetch rejected with a ${error.constructor ? error.constructor.name : 'value'} that is not an Error`
  const cause = error.cause && typeof error.cause.message === 'string' ? error.cause.message : ''
  return cause && !message.includes(cause) ? `${message}: ${cause}` : message
}

/** Which kind of failure the core sees: `connect`, `timeout` or `request`. */
function failureOf (error) {
  if (error === null || typeof error !== 'object') return 'request'
  if (error.name === 'TimeoutError') return 'timeout'
  const code = error.code || (error.cause && error.cause.code)
  return CONNECT_CODES.has(code) ? 'connect' : 'request'
}

module.exports = { transportFor, transportOf, failureOf, TRANSPORT_VARIABLE }
