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
/** The pause between polls when the answer sets no `Retry-After`. */
const DEFAULT_POLL_MS = 1000

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
 * @param {string} serviceURL
 * @param {string | URL} path
 * @param {ApiRequestOptions} options
 */
async function apiRequest (authFetch, serviceURL, path, options = {}) {
  if (options === null || typeof options !== 'object') throw sdkError('INVALID_PARAM', 'options must be an object')
  const { method = 'GET', query, json, body, headers, signal, wait, full } = options
  if (json !== undefined && body !== undefined) throw sdkError('INVALID_PARAM', 'give either json or body, not both')
  const url = urlOf(serviceURL, path, query)
  const init = { method: String(method).toUpperCase(), headers: new Headers(headers), signal }
  if (!init.headers.has('accept')) init.headers.set('accept', 'application/json, application/problem+json;q=0.9, */*;q=0.1')
  if (json !== undefined) {
    init.body = toJson(json, 'json')
    if (!init.headers.has('content-type')) init.headers.set('content-type', 'application/json')
  } else if (body !== undefined) {
    init.body = body
  }
  const details = { serviceURL, endpoint: url.href.startsWith(serviceURL) ? url.href.slice(serviceURL.length) : url.href, method: init.method }
  let response = await fetched(authFetch, url, init, details)
  if (response.status === 202 && wait && response.headers.has('location')) {
    response = await completion(authFetch, response, url, { signal, accept: init.headers.get('accept'), timeout: waitTimeout(wait) }, details)
  }
  return answerOf(response, details, full === true)
}

/** `path` resolved against the service URL, with `query` added. */
function urlOf (serviceURL, path, query) {
  let url
  try {
    url = new URL(path instanceof URL ? path.href : String(path), serviceURL)
  } catch {
    throw sdkError('INVALID_PARAM', `${JSON.stringify(String(path))} is not a URL or a path under the service URL`, { serviceURL })
  }
  if (query === undefined || query === null) return url
  const pairs = query instanceof URLSearchParams ? query : Object.entries(query)
  for (const [name, value] of pairs) {
    if (value === undefined || value === null) continue
    for (const each of Array.isArray(value) ? value : [value]) url.searchParams.append(name, String(each))
  }
  return url
}

function waitTimeout (wait) {
  if (wait === true) return DEFAULT_WAIT_MS
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

/** The pause `Retry-After` asks for (the core reads it, as for retries), else a second. */
function pauseOf (retryAfter) {
  const ms = retryAfter === null ? null : native.retryAfterMs(retryAfter)
  return ms === null || ms === undefined ? DEFAULT_POLL_MS : ms
}

/**
 * The parsed body of a 2xx answer (`{status, headers, etag, body}` with `full`); else
 * `API_ERROR` with the status, the ETag, and the RFC 7807 problem for `application/problem+json`.
 */
async function answerOf (response, details, full) {
  const type = (response.headers.get('content-type') || '').split(';')[0].trim().toLowerCase()
  let text
  try {
    text = await response.text()
  } catch (error) {
    throw sdkError('RESPONSE_ERROR', `the body of ${details.endpoint} could not be read`, { ...details, status: response.status }, error)
  }
  const etag = response.headers.get('etag') ?? undefined
  const isJson = type === 'application/json' || type.endsWith('+json')
  let body = text === '' ? null : text
  if (isJson && body !== null) {
    try {
      body = JSON.parse(text)
    } catch (error) {
      if (response.ok) throw sdkError('RESPONSE_ERROR', `the ${type} body of ${details.endpoint} is not JSON`, { ...details, status: response.status }, error)
    }
  }
  if (!response.ok) {
    const problem = type === 'application/problem+json' && body !== null && typeof body === 'object' ? body : undefined
    const said = problem ? [problem.title, problem.detail].filter(Boolean).join(': ') : ''
    throw sdkError('API_ERROR', `${details.method} ${details.endpoint} answered ${response.status}${said ? ` (${said})` : ''}`,
      { ...details, status: response.status, etag, problem, body: problem ? undefined : body })
  }
  return full ? { status: response.status, headers: response.headers, etag, body } : body
}

/**
 * Every item of a collection paged by `limit` and `cursor`: each page's `items` (or the field
 * `options.items` names), following the page's `cursor` until a page has none.
 * @param {(input: string | URL, init?: RequestInit) => Promise<Response>} authFetch
 * @param {string} serviceURL
 * @param {string | URL} path
 * @param {{query?: Record<string, unknown>, headers?: HeadersInit, signal?: AbortSignal, items?: string}} options
 */
async function * paginate (authFetch, serviceURL, path, options = {}) {
  if (options === null || typeof options !== 'object') throw sdkError('INVALID_PARAM', 'options must be an object')
  const { query = {}, headers, signal, items = 'items' } = options
  let cursor = query.cursor
  for (;;) {
    const page = await apiRequest(authFetch, serviceURL, path, { query: { ...query, cursor }, headers, signal })
    const list = page !== null && typeof page === 'object' ? page[items] : undefined
    if (!Array.isArray(list)) {
      throw sdkError('RESPONSE_ERROR', `a page of ${String(path)} has no ${JSON.stringify(items)} array`, { serviceURL, endpoint: String(path) })
    }
    for (const item of list) {
      if (signal && signal.aborted) throw sdkError('REQUEST_ERROR', 'the request was aborted', { serviceURL, endpoint: String(path) }, signal.reason)
      yield item
    }
    if (typeof page.cursor !== 'string' || page.cursor === '' || page.cursor === cursor) return
    cursor = page.cursor
  }
}

module.exports = { apiRequest, paginate }
