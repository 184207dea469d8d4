'use strict'

// A GET of any AEM API through the client's cache (with `cache` on), as a fetch `Response`:
// `authFetch` resolves with it (and so `request()` and `paginate`). The native side answers with
// the envelope of src/aem/raw_answer.rs, `{status, headers, text}` (or `held`, a binary's id): the
// resolved value for a 2xx, the error's `sdkDetails.body` for any other status.

const { AEMHeadlessError } = require('./errors')
const { takeAnswer } = require('./fetch-transport')
const { NULL_BODY_STATUSES } = require('./app-fetch')


/**
 * The answer to a GET through the cache, or null when fetch must send it instead (a text over the
 * limit, or one the native client did not read: a binary). A binary through a fetch transport was
 * held for the caller, unread: it is `held`, with the controller that aborts it. Errors without an
 * answer (no connection, a timeout, an abort) reject as the client's errors.
 * @param {(endpoint: string, headers: HeadersInit | undefined, signal: AbortSignal | undefined) => Promise<object>} cachedGet
 * @param {URL} url under the client's service URL
 * @param {string} serviceURL
 * @param {{headers?: HeadersInit, signal?: AbortSignal}} call
 * @returns {Promise<{response: Response, held?: {response: Response, controller: AbortController}} | null>}
 */
async function cachedResponse (cachedGet, url, serviceURL, { headers, signal }) {
  let envelope
  try {
    envelope = await cachedGet(url.href.slice(serviceURL.length), headers, signal)
  } catch (error) {
    const answered = error instanceof AEMHeadlessError && error.code === 'API_ERROR' ? error.sdkDetails.body : undefined
    if (!isEnvelope(answered)) throw error
    envelope = answered
  }
  if (!isEnvelope(envelope)) return null
  // The URL that answered: another than the request's after redirects.
  const answeredAt = typeof envelope.url === 'string' ? envelope.url : url.href
  if (Number.isInteger(envelope.held)) {
    const held = takeAnswer(envelope.held)
    return held === undefined ? null : { response: withUrl(held.response, answeredAt, url), held }
  }
  if (envelope.unread) return null
  let response
  try {
    // Bytes, not a string: a string body would add a Content-Type AEM did not send.
    const body = NULL_BODY_STATUSES.has(envelope.status) ? null : new TextEncoder().encode(envelope.text)
    response = new Response(body, { status: envelope.status, headers: envelope.headers })
  } catch {
    // A header value fetch would not take (bytes that are not Latin-1): fetch sends it instead.
    return null
  }
  return { response: withUrl(response, answeredAt, url) }
}

/** `response` with the URL that answered, and `redirected` when it is not the one asked for. */
function withUrl (response, answeredAt, url) {
  try {
    Object.defineProperty(response, 'url', { value: answeredAt })
    if (answeredAt !== url.href) Object.defineProperty(response, 'redirected', { value: true })
  } catch {}
  return response
}

/** Whether a value is a raw answer's envelope (a rejection's `sdkDetails.body` is one for any status but 2xx). */
function isEnvelope (value) {
  return value !== null && typeof value === 'object' && Number.isInteger(value.status) && Array.isArray(value.headers)
}

module.exports = { cachedResponse, isEnvelope }
