'use strict'

const path = require('node:path')
const native = require('./binding.js')
const { AEMHeadlessError, ErrorCodes, sdkError, fromNative } = require('./lib/errors')

const DEFAULT_SERVICE_URL = '/'
const DEFAULT_ENDPOINT = 'content/graphql/global/endpoint.json'
const PERSIST_PATH = 'graphql/persist.json'
const LIST_PATH = 'graphql/list.json'

/**
 * A client for AEM's GraphQL APIs, a drop-in for `@adobe/aem-headless-client-nodejs`'s
 * `AEMHeadless`. Requests, TLS and JSON checks run in the Rust core; one connection pool per
 * instance.
 */
class AEMHeadless {
  /** @type {import('./binding').NativeClient} */
  #native

  /**
   * @param {string | {serviceURL?: string, endpoint?: string, auth?: string | [string, string],
   *   headers?: Record<string, string>, ca?: string}} config the AEM host, or a configuration
   */
  constructor (config) {
    const options = typeof config === 'string' ? { serviceURL: config } : config
    if (options === null || typeof options !== 'object') {
      throw sdkError('INVALID_PARAM', 'config must be a serviceURL string or an object')
    }
    /** The AEM host, with a trailing `/`. */
    this.serviceURL = undefined
    /** The ad-hoc query endpoint, without a leading `/`. */
    this.endpoint = undefined
    try {
      this.#native = new native.NativeClient({
        serviceUrl: String(options.serviceURL || DEFAULT_SERVICE_URL),
        endpoint: String(options.endpoint || DEFAULT_ENDPOINT),
        auth: normalizeAuth(options.auth),
        headers: normalizeHeaders(options.headers),
        ca: options.ca
      })
    } catch (error) {
      throw fromNative(error, { serviceURL: options.serviceURL })
    }
    this.serviceURL = this.#native.serviceUrl
    this.endpoint = this.#native.endpoint
  }

  /**
   * Runs a persisted query. With GET (the default) the variables go in the URL, encoded exactly
   * as Adobe's client does; with `{ method: 'POST' }` they go in a JSON body.
   * @param {string} path `conf/name`, e.g. `wknd-shared/adventures-all`
   * @param {Record<string, unknown>} [variables]
   * @param {{method?: string}} [options]
   * @param {object} [retryOptions] accepted for compatibility
   */
  async runPersistedQuery (path, variables = {}, options = {}, retryOptions = {}) {
    const method = String(options.method || 'GET').toUpperCase()
    if (method === 'POST') {
      const endpoint = this.#native.persistedQueryPath(String(path), [])
      return this.#request(method, endpoint, stringify({ variables }, 'variables'))
    }
    const endpoint = this.#native.persistedQueryPath(String(path), flattenVariables(variables))
    return this.#request(method, endpoint, null)
  }

  /**
   * Runs an ad-hoc query: POST to the endpoint.
   * @param {string | {query: string, variables?: Record<string, unknown>}} body
   * @param {{method?: string}} [options]
   * @param {object} [retryOptions] accepted for compatibility
   */
  async runQuery (body, options = {}, retryOptions = {}) {
    const postBody = typeof body === 'object' ? body : { query: body }
    const method = String(options.method || 'POST').toUpperCase()
    return this.#request(method, this.endpoint, stringify(postBody, 'body'))
  }

  /**
   * Persists a query at `conf/name`: PUT `graphql/persist.json/{path}`.
   * @param {string} query the query text
   * @param {string} path `conf/name`
   * @param {{method?: string}} [options]
   * @param {object} [retryOptions] accepted for compatibility
   */
  async persistQuery (query, path, options = {}, retryOptions = {}) {
    const method = String(options.method || 'PUT').toUpperCase()
    return this.#request(method, `${PERSIST_PATH}/${path}`, String(query))
  }

  /**
   * Lists the persisted queries: GET `graphql/list.json`.
   * @param {{method?: string}} [options]
   * @param {object} [retryOptions] accepted for compatibility
   */
  async listPersistedQueries (options = {}, retryOptions = {}) {
    const method = String(options.method || 'GET').toUpperCase()
    return this.#request(method, LIST_PATH, null)
  }

  async #request (method, endpoint, body) {
    let text
    try {
      text = await this.#native.request(method, endpoint, body)
    } catch (error) {
      throw fromNative(error, { serviceURL: this.serviceURL, endpoint })
    }
    return JSON.parse(text)
  }
}

/**
 * Exchanges credentials for an access token, as Adobe's `getToken` does: a development token
 * is returned as is; service credentials are signed into a JWT and exchanged at IMS.
 * @param {string | object} credentials a credentials file path, or its parsed content
 * @param {{imsEndpoint?: string, ca?: string}} [options]
 * @returns {Promise<{accessToken: string, type: string, expires: number}>}
 */
async function getToken (credentials, options = undefined) {
  try {
    if (typeof credentials === 'string') {
      return await native.getTokenFromFile(path.resolve(credentials), options)
    }
    if (credentials !== null && typeof credentials === 'object') {
      return await native.getTokenFromJson(stringify(credentials, 'credentials'), options)
    }
  } catch (error) {
    throw fromNative(error)
  }
  throw sdkError('INVALID_PARAM', 'credentials must be a file path or a credentials object')
}

/** A string auth is a Bearer token; a `[user, password]` pair is Basic auth. */
function normalizeAuth (auth) {
  if (auth === undefined || auth === null || auth === '') return undefined
  if (typeof auth === 'string') return auth
  if (Array.isArray(auth) && auth.length === 2 && auth[0] && auth[1]) {
    return [String(auth[0]), String(auth[1])]
  }
  throw sdkError('INVALID_PARAM', 'auth must be a token string or a [user, password] pair')
}

function normalizeHeaders (headers) {
  if (headers === undefined || headers === null) return undefined
  if (typeof headers !== 'object') throw sdkError('INVALID_PARAM', 'headers must be an object')
  const out = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && value !== null) out[name] = String(value)
  }
  return out
}

/**
 * `[name1, value1, …]`: a string value as is, anything else as `JSON.stringify` gives it,
 * exactly as Adobe's client builds `;name=value`.
 */
function flattenVariables (variables) {
  if (variables === null || typeof variables !== 'object') {
    throw sdkError('INVALID_PARAM', 'variables must be an object')
  }
  const flat = []
  for (const name of Object.keys(variables)) {
    const value = variables[name]
    flat.push(name, typeof value === 'string' ? value : String(stringify(value, `variables.${name}`)))
  }
  return flat
}

function stringify (value, what) {
  try {
    return JSON.stringify(value)
  } catch (error) {
    throw sdkError('INVALID_PARAM', `${what} cannot be serialized to JSON (${error.message})`, {}, error)
  }
}

module.exports = AEMHeadless
module.exports.AEMHeadless = AEMHeadless
module.exports.getToken = getToken
module.exports.AEMHeadlessError = AEMHeadlessError
module.exports.ErrorCodes = ErrorCodes
