'use strict'

// A GET of any AEM API through the client's cache (the native client with `cache` on), as a
// fetch `Response`: `authFetch` resolves with it (and so `request()` and `paginate`). The
// native side answers with the envelope of src/aem/raw_answer.rs, `{status, headers, text}`: the
// resolved value for a 2xx, the error's `sdkDetails.body` for any other status.

const { AEMHeadlessError } = require('./errors')

/** Statuses whose responses have no body (fetch's null body statuses). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])
/** Redirect statuses: the native client follows those within one origin, and stops at another. */
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/**
 * The answer to a GET through the cache, or null when fetch must send it instead: a body the
 * cache did not read (a binary, or one over the limit) or a redirect to another origin, which
 * fetch streams and follows without credentials. Errors without an answer (no connection, a
 * timeout, an abort) reject as the client's errors.
 * @param {(endpoint: string, headers: HeadersInit | undefined, signal: AbortSignal | undefined) => Promise<object>} cachedGet
 * @param {URL} url under the client's service URL
 * @param {string} serviceURL
 * @param {{headers?: HeadersInit, signal?: AbortSignal}} call
 * @returns {Promise<Response | null>}
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
  if (!isEnvelope(envelope) || envelope.unread || isRedirect(envelope)) return null
  let response
  try {
    // Bytes, not a string: a string body would add a Content-Type AEM did not send.
    const body = NULL_BODY_STATUSES.has(envelope.status) ? null : new TextEncoder().encode(envelope.text)
    response = new Response(body, { status: envelope.status, headers: envelope.headers })
  } catch {
    // A header value fetch would not take (bytes that are not Latin-1): fetch sends it instead.
    return null
  }
  // The URL that answered: another than the request's after redirects within AEM's origin.
  const answeredAt = typeof envelope.url === 'string' ? envelope.url : url.href
  Object.defineProperty(response, 'url', { value: answeredAt })
  if (answeredAt !== url.href) Object.defineProperty(response, 'redirected', { value: true })
  return response
}

/** Whether the answer is a redirect to follow (to another origin: the native client stopped there). */
function isRedirect ({ status, headers }) {
  return REDIRECT_STATUSES.has(status) && headers.some(([name]) => name.toLowerCase() === 'location')
}

/** Whether a value is a raw answer's envelope (a rejection's `sdkDetails.body` is one for any status but 2xx). */
function isEnvelope (value) {
  return value !== null && typeof value === 'object' && Number.isInteger(value.status) && Array.isArray(value.headers)
}

module.exports = { cachedResponse, isEnvelope, NULL_BODY_STATUSES, REDIRECT_STATUSES }
