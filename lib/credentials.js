'use strict'

const fs = require('node:fs')
const path = require('node:path')
const native = require('../binding.js')
const { AEMHeadlessError, sdkError, fromNative } = require('./errors')
const { checkCa } = require('./tls')
const { toJson } = require('./options')

/**
 * Parses credentials once, private key included: service credentials (JWT), OAuth
 * Server-to-Server credentials, or a local development token. The result is opaque (nothing
 * secret can be read back from it) and can be given to `TokenProvider`, `signServiceJwt`,
 * `exchange` and `AEMHeadless`.
 * @param {string | object | import('../binding').LoadedCredentials} credentials a file path, the parsed JSON, or loaded credentials
 * @param {{passphrase?: string, imsEndpoint?: string, allowInsecureHttp?: boolean}} [options]
 * @returns {Promise<import('../binding').LoadedCredentials>}
 */
async function loadCredentials (credentials, options = undefined) {
  if (credentials instanceof native.LoadedCredentials) return credentials
  const loadOptions = loadOptionsOf(credentialsOptions(options))
  try {
    if (typeof credentials === 'string') return await parsed(readCredentialsFile(credentials), loadOptions)
    if (credentials !== null && typeof credentials === 'object') return await parsed(toJson(credentials, 'credentials'), loadOptions)
  } catch (error) {
    throw fromNative(error)
  }
  throw sdkError('INVALID_PARAM', 'credentials must be a file path, a credentials object or loaded credentials')
}

/**
 * The credentials of a JSON text: those parsed before for the same text and options, on this
 * thread, else parsed on a native thread (a private key takes a fraction of a millisecond).
 */
function parsed (json, loadOptions) {
  return native.credentialsParsedBefore(json, loadOptions) ?? native.loadCredentialsFromJson(json, loadOptions)
}

/** The largest credentials file read: real ones are a few kilobytes. */
const MAX_CREDENTIALS_FILE_BYTES = 1024 * 1024

/**
 * A credentials file's JSON text, read as Adobe's `getToken` reads it: a relative path from the
 * working directory, Node's own error (`ENOENT: no such file or directory, open '…'`, with its
 * `code` and `errno` on `cause`) as AUTH_FILE_READ_ERROR, and `JSON.parse`'s as
 * AUTH_FILE_PARSE_ERROR. A file larger than any real one is refused before it is read.
 * @param {string} file
 * @returns {string}
 */
function readCredentialsFile (file) {
  const filePath = path.isAbsolute(file) ? file : path.join(process.cwd(), file)
  let text
  try {
    // Read synchronously, as Adobe's getToken reads it (readFileSync): a file of a few
    // kilobytes takes microseconds, where four asynchronous steps took four trips through
    // libuv's thread pool.
    const fd = fs.openSync(filePath, 'r')
    try {
      const { size } = fs.fstatSync(fd)
      if (size > MAX_CREDENTIALS_FILE_BYTES) {
        throw sdkError('AUTH_FILE_READ_ERROR', `${filePath} is larger than ${MAX_CREDENTIALS_FILE_BYTES} bytes: not a credentials file`)
      }
      text = fs.readFileSync(fd, 'utf8')
    } finally {
      fs.closeSync(fd)
    }
  } catch (error) {
    throw error instanceof AEMHeadlessError ? error : sdkError('AUTH_FILE_READ_ERROR', error.message, {}, error)
  }
  try {
    JSON.parse(text)
  } catch (error) {
    throw sdkError('AUTH_FILE_PARSE_ERROR', error.message, {}, error)
  }
  return text
}

/**
 * Loads credentials given as an object on the calling thread (for synchronous signing).
 * @param {object | import('../binding').LoadedCredentials} credentials
 * @param {{passphrase?: string, imsEndpoint?: string}} [options]
 */
function loadCredentialsSync (credentials, options = undefined) {
  if (credentials instanceof native.LoadedCredentials) return credentials
  if (credentials === null || typeof credentials !== 'object') {
    throw sdkError('INVALID_PARAM', 'credentials must be a credentials object or loaded credentials (use loadCredentials for a file)')
  }
  try {
    return native.loadCredentialsFromJsonSync(toJson(credentials, 'credentials'), loadOptionsOf(credentialsOptions(options)))
  } catch (error) {
    throw fromNative(error)
  }
}

/** The options about credentials and their token request, and the type each must have. */
const OPTION_TYPES = {
  passphrase: 'string',
  imsEndpoint: 'string',
  allowInsecureHttp: 'boolean',
  proxy: 'string'
}

/**
 * The one check of the options that go with credentials (`getToken`, `loadCredentials`,
 * `exchange`, `signServiceJwt`, `TokenProvider`): `passphrase`, `imsEndpoint` and `proxy` are
 * strings, `allowInsecureHttp` a boolean, `ca` what Node's `tls` takes (lib/tls.js), returned as
 * one PEM bundle. Other keys are ignored.
 * @param {unknown} options
 * @returns {{passphrase?: string, imsEndpoint?: string, allowInsecureHttp?: boolean, ca?: string, proxy?: string} | undefined}
 */
function credentialsOptions (options) {
  if (options === undefined || options === null) return undefined
  if (typeof options !== 'object') throw sdkError('INVALID_PARAM', 'options must be an object')
  const checked = {}
  for (const [key, type] of Object.entries(OPTION_TYPES)) {
    const value = options[key]
    if (value !== undefined && typeof value !== type) throw sdkError('INVALID_PARAM', `options.${key} must be a ${type}`)
    checked[key] = value
  }
  checked.ca = checkCa(options.ca, 'options.ca')
  return checked
}

/** The part of checked options that loading credentials takes. */
function loadOptionsOf (checked) {
  if (checked === undefined) return undefined
  const { passphrase, imsEndpoint, allowInsecureHttp } = checked
  return { passphrase, imsEndpoint, allowInsecureHttp }
}

module.exports = { loadCredentials, loadCredentialsSync, credentialsOptions }
