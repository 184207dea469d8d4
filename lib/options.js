'use strict'

const { sdkError } = require('./errors')

/**
 * Checks per-call options: `method`, `headers` (merged over the client's), `signal` (an
 * AbortSignal). Other keys, such as fetch options Adobe's client passes through, are ignored.
 * @param {unknown} options
 * @param {string} defaultMethod
 * @returns {{method: string, headers: Record<string, string> | undefined, signal: AbortSignal | undefined}}
 */
function callOptions (options, defaultMethod) {
  if (options === undefined || options === null) return { method: defaultMethod, headers: undefined, signal: undefined }
  if (typeof options !== 'object') throw sdkError('INVALID_PARAM', 'options must be an object')
  const method = options.method === undefined ? defaultMethod : String(options.method).toUpperCase()
  const signal = options.signal ?? undefined
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw sdkError('INVALID_PARAM', 'options.signal must be an AbortSignal')
  }
  return { method, headers: headerRecord(options.headers, 'options.headers'), signal }
}

/**
 * Checks Adobe's `retryOptions`: `{maxRetries, initialDelayInMillis}`, each a non-negative
 * integer when given.
 * @param {unknown} retryOptions
 */
function checkRetryOptions (retryOptions) {
  if (retryOptions === undefined || retryOptions === null) return
  if (typeof retryOptions !== 'object' || Array.isArray(retryOptions)) {
    throw sdkError('INVALID_PARAM', 'retryOptions must be an object: {maxRetries, initialDelayInMillis}')
  }
  for (const key of ['maxRetries', 'initialDelayInMillis']) {
    const value = retryOptions[key]
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
      throw sdkError('INVALID_PARAM', `retryOptions.${key} must be a non-negative integer`)
    }
  }
}

/**
 * Headers as a string record (values converted with String, as fetch does; null and
 * undefined values dropped).
 * @param {unknown} headers
 * @param {string} what the option's name, for the error
 */
function headerRecord (headers, what) {
  if (headers === undefined || headers === null) return undefined
  if (typeof headers !== 'object' || Array.isArray(headers)) throw sdkError('INVALID_PARAM', `${what} must be an object`)
  const out = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && value !== null) out[name] = String(value)
  }
  return out
}

module.exports = { callOptions, checkRetryOptions, headerRecord }
