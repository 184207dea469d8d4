'use strict'

const path = require('node:path')
const native = require('../binding.js')
const { sdkError, fromNative } = require('./errors')
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
    if (typeof credentials === 'string') {
      return await native.loadCredentialsFromFile(path.resolve(credentials), loadOptions)
    }
    if (credentials !== null && typeof credentials === 'object') {
      return await native.loadCredentialsFromJson(toJson(credentials, 'credentials'), loadOptions)
    }
  } catch (error) {
    throw fromNative(error)
  }
  throw sdkError('INVALID_PARAM', 'credentials must be a file path, a credentials object or loaded credentials')
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
