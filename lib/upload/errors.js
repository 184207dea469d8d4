'use strict'

// The errors of an upload, as `@adobe/aem-upload` has them: a code from
// `DirectBinaryUploadErrorCodes` (`EALREADYEXISTS`, …), `getHttpStatusCode()`, and `toJSON()` as
// `{message, code}`. What we add (the HTTP status answered, the file) is non-enumerable.

/** The codes, by name, with Adobe's values. */
const DirectBinaryUploadErrorCodes = Object.freeze({
  UNKNOWN: 'EUNKNOWN',
  NOT_FOUND: 'ENOTFOUND',
  NOT_SUPPORTED: 'ENOTSUPPORTED',
  INVALID_OPTIONS: 'EINVALIDOPTIONS',
  NOT_AUTHORIZED: 'ENOTAUTHORIZED',
  UNEXPECTED_API_STATE: 'EUNEXPECTEDAPISTATE',
  ALREADY_EXISTS: 'EALREADYEXISTS',
  FORBIDDEN: 'EFORBIDDEN',
  USER_CANCELLED: 'EUSERCANCELLED',
  TOO_LARGE: 'ETOOLARGE'
})

/** The HTTP status an answer's code stands for, and back. */
const STATUS_OF_CODE = {
  EALREADYEXISTS: 409,
  EFORBIDDEN: 403,
  EINVALIDOPTIONS: 400,
  ENOTAUTHORIZED: 401,
  ENOTFOUND: 404,
  ETOOLARGE: 413,
  ENOTSUPPORTED: 501
}
const CODE_OF_STATUS = Object.fromEntries(Object.entries(STATUS_OF_CODE).filter(([, status]) => status !== 413).map(([code, status]) => [status, code]))

class UploadError extends Error {
  /**
   * @param {keyof typeof DirectBinaryUploadErrorCodes | string} code a name (`ALREADY_EXISTS`) or value (`EALREADYEXISTS`)
   * @param {string} message
   * @param {{status?: number, cause?: unknown}} [details]
   */
  constructor (code, message, details = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause })
    this.code = DirectBinaryUploadErrorCodes[code] ?? code
    this.innerStack = ''
    this.uploadError = true
    Object.defineProperty(this, 'name', { value: 'UploadError', enumerable: false, configurable: true, writable: true })
    if (details.status !== undefined) Object.defineProperty(this, 'status', { value: details.status, enumerable: false })
  }

  getCode () { return this.code }
  getHttpStatusCode () { return STATUS_OF_CODE[this.code] ?? 500 }
  getMessage () { return this.message }
  getInnerStack () { return this.innerStack }

  toJSON () {
    const json = { message: this.message, code: this.code }
    if (this.innerStack) json.innerStack = this.innerStack
    return json
  }

  toString () {
    return JSON.stringify(this)
  }
}

/**
 * The error of an answer with `status` (Adobe's mapping: 409 already exists, 403 forbidden, 400
 * invalid options, 401 not authorized, 404 not found, 501 not supported, 413 too large), or of a
 * failure without one.
 */
function uploadErrorOf (status, message, cause) {
  if (cause instanceof UploadError) return cause
  const code = status === 413 ? 'ETOOLARGE' : CODE_OF_STATUS[status] ?? 'EUNKNOWN'
  return new UploadError(code, message, { status, cause })
}

/** Whether `error` is the run's cancellation (its signal's reason, or an abort of a request). */
function isCancel (error, signal) {
  return error === signal.reason || (error !== null && typeof error === 'object' && (error.name === 'AbortError' || error.code === 'EUSERCANCELLED'))
}

module.exports = { UploadError, DirectBinaryUploadErrorCodes, uploadErrorOf, isCancel }
