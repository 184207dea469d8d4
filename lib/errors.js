'use strict'

const util = require('node:util')

const SDK = 'AEMHeadless'

/** Adobe's message templates, one per code; `%s` takes the details. */
const TEMPLATES = {
  REQUEST_ERROR: 'General Request error: %s.',
  RESPONSE_ERROR: 'There was a problem parsing response data: %s.',
  API_ERROR: 'There was a problem with your API call: %s.',
  INVALID_PARAM: 'There was a problem with required params: %s.',
  AUTH_FILE_READ_ERROR: 'There was a problem reading auth file: %s.',
  AUTH_FILE_PARSE_ERROR: 'There was a problem parsing auth file: %s.',
  EXCHANGE_TOKEN_ERROR: 'There was a problem fetching  exchange token: %s.',
  INTERNAL_ERROR: 'There was an internal error: %s.'
}

/** Marks a native error that carries a core error as JSON (see src/binding/error.rs). */
const NATIVE_ERROR_PREFIX = 'AEM_HEADLESS_ERROR '

/**
 * The error every call rejects with: Adobe's `AEMHeadlessError` shape (`code`, `sdk`,
 * `sdkDetails`, `[AEMHeadless:CODE] …` message, `toJSON()`), with AEM's whole error body and
 * the underlying `cause` kept.
 */
class AEMHeadlessError extends Error {
  /**
   * @param {string} code one of the keys of `ErrorCodes`
   * @param {string} text the message after the `[AEMHeadless:CODE]` prefix
   * @param {object} [sdkDetails] serviceURL, endpoint, status and what AEM or IMS said
   * @param {{cause?: unknown}} [options]
   */
  constructor (code, text, sdkDetails = {}, options = undefined) {
    super(`[${SDK}:${code}] ${text}`, options)
    this.name = 'AEMHeadlessError'
    this.code = code
    this.sdk = SDK
    this.sdkDetails = sdkDetails
  }

  /** Adobe's JSON shape: `{sdk, sdkDetails, code, message, stacktrace}`. */
  toJSON () {
    return {
      sdk: this.sdk,
      sdkDetails: this.sdkDetails,
      code: this.code,
      message: this.message,
      stacktrace: this.stack
    }
  }
}

/**
 * One class per code, constructed as Adobe's are: `new ErrorCodes.API_ERROR({sdkDetails,
 * messageValues})`. Each extends `AEMHeadlessError`.
 */
const ErrorCodes = {}
/** Codes of this package's own, beyond Adobe's: reachable, but not among `Object.keys(ErrorCodes)`. */
const OWN_CODES = new Set(['INTERNAL_ERROR'])
for (const [code, template] of Object.entries(TEMPLATES)) {
  const ErrorClass = class extends AEMHeadlessError {
    constructor ({ sdkDetails, messageValues = [], cause } = {}) {
      const values = Array.isArray(messageValues) ? messageValues : [messageValues]
      super(code, util.format(template, ...values), sdkDetails, cause === undefined ? undefined : { cause })
    }
  }
  Object.defineProperty(ErrorClass, 'name', { value: code })
  Object.defineProperty(ErrorCodes, code, { value: ErrorClass, enumerable: !OWN_CODES.has(code), writable: true, configurable: true })
}

/** The `sdkDetails` keys Adobe's client sets; `status` only on answers (API_ERROR, RESPONSE_ERROR). */
const ADOBE_DETAILS = ['serviceURL', 'endpoint', 'status']
const ANSWER_CODES = new Set(['API_ERROR', 'RESPONSE_ERROR'])

/**
 * `details` as Adobe's client shapes `sdkDetails` for `code`: its keys (`serviceURL`, `endpoint`,
 * and `status` of an answer) enumerable, in its order, and everything this package adds (attempts,
 * AEM's body, IMS's error, …) readable but not enumerable, so that a strict `toEqual` on
 * `sdkDetails` and its JSON are Adobe's.
 * @param {string} code
 * @param {object} details
 */
function adobeShaped (code, details, shown = ADOBE_DETAILS) {
  const shaped = {}
  const define = (name, enumerable) => Object.defineProperty(shaped, name, { value: details[name], enumerable, writable: true, configurable: true })
  for (const name of shown) {
    if (details[name] !== undefined && (name !== 'status' || ANSWER_CODES.has(code))) define(name, true)
  }
  for (const name of Object.keys(details)) {
    if (!Object.prototype.hasOwnProperty.call(shaped, name) && details[name] !== undefined) define(name, false)
  }
  return shaped
}

/**
 * Builds the error for `code` with `detail` filling Adobe's template, its `sdkDetails` shaped as
 * Adobe's (`adobeShaped`).
 * @param {string} code
 * @param {string} detail
 * @param {object} [sdkDetails]
 * @param {unknown} [cause]
 */
function sdkError (code, detail, sdkDetails, cause) {
  return new ErrorCodes[code]({ sdkDetails: adobeShaped(code, sdkDetails || {}), messageValues: detail, cause })
}

/** How napi-rs words a panic of a synchronous native call. */
const NAPI_PANIC_PREFIX = 'panic from Rust code'

/**
 * How the fetch that Adobe's client would have used words what it reads: node-fetch 2 (its
 * default, `invalid json response body at URL reason: …`, `The user aborted a request.`) or a
 * WHATWG fetch an app gave it (the parser's own message, `This operation was aborted`).
 * @typedef {'node-fetch' | 'fetch'} FetchWording
 */

/**
 * The wording of the fetch an app gives as its `fetch` option: node-fetch's when it is node-fetch.
 * @param {Function | undefined} fetch
 * @returns {FetchWording}
 */
function wordingOf (fetch) {
  return typeof fetch !== 'function' || typeof fetch.FetchError === 'function' ? 'node-fetch' : 'fetch'
}

/**
 * What Adobe's client raises for the failure the core describes (`kind` and its details), as
 * `@adobe/aem-headless-client-js`'s `__handleRequest` and `-nodejs`'s `getToken` word it:
 * `{code, values}` for its template, or undefined where Adobe's client has no such failure
 * (the core's own message then stands).
 * @param {string} kind the core's failure (src/error.rs, `Error::kind`)
 * @param {object} details the core's details
 * @param {string | undefined} url the request's URL, as node-fetch names it
 * @param {FetchWording} wording
 */
function adobeFailure (kind, details, url, wording) {
  switch (kind) {
    case 'api':
      // node-fetch reads a falsy JSON body a second time, and refuses.
      if (!details.body) return { code: 'RESPONSE_ERROR', values: `body used already for: ${url}` }
      return { code: 'API_ERROR', values: details.body }
    case 'httpStatus':
    case 'notJson': {
      const failure = parseFailure(details.text)
      if (failure === undefined) return undefined
      return { code: 'RESPONSE_ERROR', values: wording === 'node-fetch' ? `invalid json response body at ${url} reason: ${failure}` : failure }
    }
    case 'graphQl': {
      const errors = details.errors
      if (!Array.isArray(errors) || errors.some((error) => error === null || error === undefined)) return undefined
      return { code: 'RESPONSE_ERROR', values: errors.map((error) => error.message).join('. ') }
    }
    case 'aborted':
      return { code: 'REQUEST_ERROR', values: wording === 'node-fetch' ? 'The user aborted a request.' : 'This operation was aborted' }
    case 'imsRefused':
    case 'imsMalformed': {
      if (typeof details.text !== 'string') return undefined
      const failure = parseFailure(details.text)
      if (failure !== undefined) return { code: 'EXCHANGE_TOKEN_ERROR', values: `Failed to parse response: ${failure}` }
      if (kind === 'imsMalformed') return undefined
      const parsed = JSON.parse(details.text)
      return { code: 'EXCHANGE_TOKEN_ERROR', values: `HTTP ${details.status}: ${(parsed && parsed.error_description) || details.text}` }
    }
    case 'invalidUrl':
      // Adobe's client checks the URL before it has any details to give.
      return { code: 'INVALID_PARAM', values: details.message, shown: [] }
    case 'imsUnreachable':
      return details.reason === undefined ? undefined : { code: 'EXCHANGE_TOKEN_ERROR', values: details.reason }
    default:
      return undefined
  }
}

/** A URL as fetch names its response's (WHATWG-serialized: `%20` for a space), or as it is. */
function hrefOf (url) {
  try {
    return new URL(url).href
  } catch {
    return url
  }
}

/** `JSON.parse`'s message for `text`, or undefined when it parses. */
function parseFailure (text) {
  if (typeof text !== 'string') return undefined
  try {
    JSON.parse(text)
    return undefined
  } catch (error) {
    return error.message
  }
}

/**
 * Turns whatever the native layer threw into an `AEMHeadlessError`. Core errors arrive as
 * `AEM_HEADLESS_ERROR {"code","message","details"}` and get Adobe's message for the same failure
 * (`adobeFailure`), the core's own under `cause`; a panic of a synchronous call (napi-rs's own
 * words) becomes `INTERNAL_ERROR`, saying where and not what (its payload may quote data);
 * anything else (a JS value napi could not convert) becomes `INVALID_PARAM`, without the value
 * (which may be a secret).
 * @param {unknown} error
 * @param {object} [base] sdkDetails known to the caller (serviceURL, endpoint)
 * @param {{url?: string, wording?: FetchWording}} [request] the request's URL (redacted) and the
 *   wording of the fetch Adobe's client would have used
 */
function fromNative (error, base = {}, request = {}) {
  if (error instanceof AEMHeadlessError) return error
  // Not `instanceof Error`: in another realm (a jest or vm context) the native error's class
  // is not that realm's Error.
  const message = error !== null && typeof error === 'object' && typeof error.message === 'string' ? error.message : String(error)
  if (message.startsWith(NAPI_PANIC_PREFIX)) {
    const at = require('../binding.js').lastPanicLocation()
    return sdkError('INTERNAL_ERROR', `the native call failed unexpectedly (${at ? `a panic at ${at}` : 'a panic'}); this is a defect of aem-headless-rs, please report it`, { ...base })
  }
  if (!message.startsWith(NATIVE_ERROR_PREFIX)) {
    // A value napi could not convert: its message quotes the value, which may be a secret.
    const safe = message.replace(/JavaScript value `[^`]*`/g, 'JavaScript value')
    return sdkError('INVALID_PARAM', safe, { ...base })
  }
  const { code, message: detail, details } = JSON.parse(message.slice(NATIVE_ERROR_PREFIX.length))
  const { cause, kind, text, reason, ...rest } = details
  const underneath = cause === undefined ? undefined : new Error(cause)
  const adobe = adobeFailure(kind, { ...details, message: detail }, hrefOf(request.url), request.wording || 'node-fetch')
  const sdkDetails = { ...base, ...rest }
  if (adobe === undefined) return sdkError(code, detail, sdkDetails, underneath)
  // Adobe's words; the core's, which say more (attempts, IMS's error, the excerpt), under `cause`.
  const ours = detail === adobe.values ? underneath : new Error(detail, underneath === undefined ? undefined : { cause: underneath })
  return new ErrorCodes[adobe.code]({ sdkDetails: adobeShaped(adobe.code, sdkDetails, adobe.shown), messageValues: adobe.values, cause: ours })
}

module.exports = { AEMHeadlessError, ErrorCodes, sdkError, fromNative, adobeShaped, wordingOf }
