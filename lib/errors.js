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

/**
 * Builds the error for `code` with `detail` filling Adobe's template.
 * @param {string} code
 * @param {string} detail
 * @param {object} [sdkDetails]
 * @param {unknown} [cause]
 */
function sdkError (code, detail, sdkDetails, cause) {
  return new ErrorCodes[code]({ sdkDetails, messageValues: detail, cause })
}

/** How napi-rs words a panic of a synchronous native call. */
const NAPI_PANIC_PREFIX = 'panic from Rust code'

/**
 * Turns whatever the native layer threw into an `AEMHeadlessError`. Core errors arrive as
 * `AEM_HEADLESS_ERROR {"code","message","details"}`; a panic of a synchronous call (napi-rs's
 * own words) becomes `INTERNAL_ERROR`, saying where and not what (its payload may quote data);
 * anything else (a JS value napi could not convert) becomes `INVALID_PARAM`, without the value
 * (which may be a secret).
 * @param {unknown} error
 * @param {object} [base] sdkDetails known to the caller (serviceURL, endpoint)
 */
function fromNative (error, base = {}) {
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
  const { cause, ...rest } = details
  const sdkDetails = { ...base, ...rest }
  return sdkError(code, detail, sdkDetails, cause === undefined ? undefined : new Error(cause))
}

module.exports = { AEMHeadlessError, ErrorCodes, sdkError, fromNative }
