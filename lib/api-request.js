'use strict'

// `request` and `paginate`: AEM's OpenAPI-based APIs the way their how-to guide describes them
// (AdobeDocs/experience-manager-apis): JSON bodies, RFC 7807 problem details on errors, ETags,
// `limit` plus an opaque `cursor` for collections, and long operations answered 202 with a
// `Location` to poll at the pace `Retry-After` sets, until a 303 to the result. Both go through
// the client's `authFetch`, so they have its token, retries and tracing.

const { setTimeout: sleep } = require('node:timers/promises')
const native = require('../binding.js')
const { sdkError, AEMHeadlessError } = require('./errors')
const { toJson } = require('./options')

/** How long `wait: true` polls a long operation before giving up. */
const DEFAULT_WAIT_MS = 5 * 60 * 1000
/** The pause between polls when the answer sets no `Retry-After`, and the shortest one. */
const DEFAULT_POLL_MS = 1000
const MIN_POLL_MS = 100

/**
 * @typedef {object} ApiRequestOptions
 * @property {string} [method] the HTTP method; GET by default
 * @property {Record<string, unknown> | URLSearchParams} [query] added to the URL's query; an array
 *   value repeats its name, `undefined` and `null` are left out
 * @property {unknown} [json] a body sent as JSON, with `Content-Type: application/json` unless
 *   `headers` set one
 * @property {BodyInit} [body] any other body fetch takes (a string, bytes, a stream, a `Blob`, `FormData`)
 * @property {HeadersInit} [headers] this request's headers (`If-Match`, `Content-Type`, …)
 * @property {AbortSignal} [signal] aborts the request, and the polling of a long operation
 * @property {boolean | {timeout?: number}} [wait] on a 202 with `Location`, poll it until the
 *   operation ends (at most `timeout` ms, 5 minutes by default) and resolve with its result
 * @property {boolean} [full] resolve with `{status, headers, etag, body}` instead of the body
 */

/**
 * One request to an AEM API through `authFetch`, resolving with its parsed body.
 * @param {(input: string | URL, init?: RequestInit) => Promise<Response>} authFetch
 * @param {{serviceURL: string, maxResponseBytes: number}} client the client's URL and body limit
 * @param {string | URL} path
 * @param {ApiRequestOptions} options
 */
async function apiRequest (authFetch, client, path, options = {}) {
  if (options === null || typeof options !== 'object') throw sdkError('INVALID_PARAM', 'options must be an object')
  const { method = 'GET', query, json, body, headers, signal, wait, full } = options
  const verb = String(method).toUpperCase()
  if (json !== undefined && body !== undefined) throw sdkError('INVALID_PARAM', 'give either json or body, not both')
  if ((json !== undefined || body !== undefined) && (verb === 'GET' || verb === 'HEAD')) {
    throw sdkError('INVALID_PARAM', `a ${verb} request has no body: give json or body with another method`)
  }
  const waitFor = wait ? waitTimeout(wait) : 0
  const url = urlOf(client.serviceURL, path, query)
  const init = { method: verb, headers: headersOf(headers), signal }
  if (!init.headers.has('accept')) init.headers.set('accept', 'application/json, application/problem+json;q=0.9, */*;q=0.1')
  if (json !== undefined) {
    init.body = toJson(json, 'json')
    if (!init.headers.has('content-type')) init.headers.set('content-type', 'application/json')
  } else if (body !== undefined) {
    init.body = body
  }
  const details = { serviceURL: client.serviceURL, endpoint: endpointOf(client.serviceURL, url), method: verb }
  // With the client's cache on, authFetch takes a GET through it (lib/raw-answer.js).
  let response = await fetched(authFetch, url, init, details)
  if (response.status === 202 && wait && response.headers.has('location')) {
    response = await completion(authFetch, response, url, { signal, accept: init.headers.get('accept'), timeout: waitFor }, details)
  }
  return answerOf(response, details, full === true, client.maxResponseBytes)
}

/** The path after the service URL, or the whole URL elsewhere; user info, signatures and the like redacted. */
function endpointOf (serviceURL, url) {
  const href = native.redactUrl(url.href)
  return href.startsWith(serviceURL) ? href.slice(serviceURL.length) : href
}

/** The request's headers as fetch takes them; a header fetch refuses is INVALID_PARAM. */
function headersOf (headers) {
  try {
    return new Headers(headers)
  } catch (error) {
    throw sdkError('INVALID_PARAM', `headers: ${error.message}`)
  }
}

/** `path` resolved against the service URL, with `query` added. */
function urlOf (serviceURL, path, query) {
  let url
  try {
    url = new URL(path instanceof URL ? path.href : String(path), serviceURL)
  } catch {
    throw sdkError('INVALID_PARAM', `${JSON.stringify(native.redactUrl(String(path)))} is not a URL or a path under the service URL`, { serviceURL })
  }
  for (const [name, value] of queryPairs(query)) {
    if (value === undefined || value === null) continue
    for (const each of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(each))
  }
  return url
}

/** `query` as name–value pairs: an object, a `URLSearchParams`, or a query string. */
function queryPairs (query) {
  if (query === undefined || query === null) return []
  if (typeof query === 'string') return new URLSearchParams(query)
  if (query instanceof URLSearchParams) return query
  if (typeof query !== 'object') throw sdkError('INVALID_PARAM', 'query must be an object, a URLSearchParams or a query string')
  return Object.entries(query)
}

function waitTimeout (wait) {
  if (wait === true) return DEFAULT_WAIT_MS
  if (typeof wait !== 'object') throw sdkError('INVALID_PARAM', 'wait must be true or {timeout}')
  const timeout = wait.timeout ?? DEFAULT_WAIT_MS
  if (!(Number.isFinite(timeout) && timeout > 0)) throw sdkError('INVALID_PARAM', 'wait.timeout must be a positive number of milliseconds')
  return timeout
}

/** `authFetch`, its rejections as the package's errors. */
async function fetched (authFetch, url, init, details) {
  try {
    return await authFetch(url, init)
  } catch (error) {
    throw requestError(error, init.signal, details)
  }
}

/** What `authFetch` rejected with, as `REQUEST_ERROR` (the package's own errors as they are). */
function requestError (error, signal, details) {
  if (error instanceof AEMHeadlessError) return error
  // A failure on the cache's path: fetch's shape outside, the client's own error inside.
  if (error !== null && typeof error === 'object' && error.cause instanceof AEMHeadlessError) return error.cause
  if (signal && signal.aborted) return sdkError('REQUEST_ERROR', 'the request was aborted', details, signal.reason)
  if (error !== null && typeof error === 'object' && error.name === 'TimeoutError') {
    return sdkError('REQUEST_ERROR', `the request timed out (${error.message})`, { ...details, timeout: true }, error)
  }
  const cause = error && error.cause && typeof error.cause.message === 'string' ? `: ${error.cause.message}` : ''
  return sdkError('REQUEST_ERROR', `${error && error.message ? error.message : String(error)}${cause}`, details, error)
}

/**
 * Polls a long operation's `Location` at the pace `Retry-After` sets while it answers 202, until
 * a 303 (its result, fetched) or any other answer; at most `timeout` ms.
 */
async function completion (authFetch, accepted, url, { signal, accept, timeout }, details) {
  const deadline = Date.now() + timeout
  let response = accepted
  let at = url
  for (;;) {
    const pause = pauseOf(response.headers.get('retry-after'))
    at = new URL(response.headers.get('location') || at.href, at)
    await response.body?.cancel().catch(() => {})
    if (Date.now() + pause > deadline) {
      throw sdkError('REQUEST_ERROR', `the operation at ${at.pathname} did not finish within ${timeout} ms`, { ...details, status: 202, timeout: true })
    }
    try {
      await sleep(pause, undefined, { signal })
    } catch {
      throw sdkError('REQUEST_ERROR', 'the request was aborted', details, signal && signal.reason)
    }
    response = await fetched(authFetch, at, { headers: { accept }, signal, redirect: 'manual' }, details)
    if (response.status === 202) continue
    if (response.status !== 303 || !response.headers.has('location')) return response
    await response.body?.cancel().catch(() => {})
    return fetched(authFetch, new URL(response.headers.get('location'), at), { headers: { accept }, signal }, details)
  }
}

/** The pause `Retry-After` asks for (the core reads it, as for retries), else a second; never under MIN_POLL_MS. */
function pauseOf (retryAfter) {
  const ms = retryAfter === null ? null : native.retryAfterMs(retryAfter)
  return Math.max(MIN_POLL_MS, ms === null || ms === undefined ? DEFAULT_POLL_MS : ms)
}

/** `API_ERROR` for an answer with `status`: its ETag, its RFC 7807 problem or its body. */
function apiError (details, status, etag, problem, body) {
  const said = problem ? [problem.title, problem.detail].filter(Boolean).join(': ') : ''
  return sdkError('API_ERROR', `${details.method} ${details.endpoint} answered ${status}${said ? ` (${said})` : ''}`,
    { ...details, status, etag, problem, body })
}

/**
 * The parsed body of a 2xx answer (`{status, headers, etag, body}` with `full`): JSON for JSON
 * types, text for text (and XML, and no type), bytes (a Buffer) for anything else, null without a
 * body. Else `API_ERROR` with the status, the ETag, and the RFC 7807 problem for
 * `application/problem+json`. A body over `limit` bytes is RESPONSE_ERROR.
 */
async function answerOf (response, details, full, limit) {
  let bytes
  try {
    bytes = await bodyBytes(response, limit)
  } catch (error) {
    if (error instanceof AEMHeadlessError) throw error
    throw sdkError('RESPONSE_ERROR', `the body of ${details.endpoint} could not be read`, { ...details, status: response.status }, error)
  }
  if (bytes === null) throw sdkError('RESPONSE_ERROR', `the body of ${details.endpoint} is larger than the limit of ${limit} bytes`, { ...details, status: response.status })
  return resultOf({ status: response.status, ok: response.ok, headers: response.headers, bytes }, details, full)
}

/** What `request` resolves with for an answer read whole (see `answerOf`). */
function resultOf ({ status, ok, headers, bytes }, details, full) {
  const type = (headers.get('content-type') || '').split(';')[0].trim().toLowerCase()
  const etag = headers.get('etag') ?? undefined
  const isJson = type === 'application/json' || type.endsWith('+json')
  const isText = type === '' || type.startsWith('text/') || type.endsWith('+xml') || type === 'application/xml'
  let body = bytes.length === 0 ? null : isJson || isText ? bytes.toString('utf8') : bytes
  if (isJson && body !== null) {
    try {
      body = JSON.parse(body)
    } catch (error) {
      if (ok) throw sdkError('RESPONSE_ERROR', `the ${type} body of ${details.endpoint} is not JSON`, { ...details, status }, error)
    }
  }
  if (!ok) {
    const problem = type === 'application/problem+json' && body !== null && typeof body === 'object' ? body : undefined
    throw apiError(details, status, etag, problem, problem || Buffer.isBuffer(body) ? undefined : body)
  }
  return full ? { status, headers, etag, body } : body
}

/** The whole body as a Buffer, or null once it passes `limit` bytes (the rest is not read). */
async function bodyBytes (response, limit) {
  if (response.body === null) return Buffer.alloc(0)
  const chunks = []
  let size = 0
  for await (const chunk of response.body) {
    size += chunk.byteLength
    if (size > limit) {
      await response.body.cancel().catch(() => {})
      return null
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/**
 * Every item of a collection paged by `limit` and `cursor`: each page's `items` (or the field
 * `options.items` names), following the page's `cursor` until a page has none, or gives one
 * already followed (a server that goes round in circles ends the pages, with an error).
 * @param {(input: string | URL, init?: RequestInit) => Promise<Response>} authFetch
 * @param {{serviceURL: string, maxResponseBytes: number}} client
 * @param {string | URL} path
 * @param {{query?: Record<string, unknown> | URLSearchParams | string, headers?: HeadersInit, signal?: AbortSignal, items?: string}} options
 */
async function * paginate (authFetch, client, path, options = {}) {
  if (options === null || typeof options !== 'object') throw sdkError('INVALID_PARAM', 'options must be an object')
  const { query, headers, signal, items = 'items' } = options
  const first = urlOf(client.serviceURL, path, query)
  const endpoint = endpointOf(client.serviceURL, first)
  const followed = new Set()
  let url = first
  for (;;) {
    const page = await apiRequest(authFetch, client, url, { headers, signal })
    const list = page !== null && typeof page === 'object' ? page[items] : undefined
    if (!Array.isArray(list)) {
      throw sdkError('RESPONSE_ERROR', `a page of ${endpoint} has no ${JSON.stringify(items)} array`, { serviceURL: client.serviceURL, endpoint })
    }
    for (const item of list) {
      if (signal && signal.aborted) throw sdkError('REQUEST_ERROR', 'the request was aborted', { serviceURL: client.serviceURL, endpoint }, signal.reason)
      yield item
    }
    const cursor = page.cursor
    if (typeof cursor !== 'string' || cursor === '') return
    if (followed.has(cursor)) {
      throw sdkError('RESPONSE_ERROR', `the pages of ${endpoint} go round in circles: cursor ${JSON.stringify(cursor.slice(0, 40))} came twice`, { serviceURL: client.serviceURL, endpoint })
    }
    followed.add(cursor)
    url = new URL(first.href)
    url.searchParams.set('cursor', cursor)
  }
}

module.exports = { apiRequest, paginate, pauseOf }
