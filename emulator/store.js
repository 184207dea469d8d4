'use strict'

/**
 * Persisted-query management as AEM does it: `PUT|POST /graphql/persist.json/{conf}/{name}`,
 * `GET /graphql/list.json[/{conf}]`, and running what was persisted. One in-memory store per emulator.
 * @module emulator/store
 */

const {
  getOperationAST, typeFromAST, isNonNullType, isListType, isInputObjectType
} = require('graphql')
const { SURROGATE_DIRECTIVES } = require('./caching')

const PERSIST_PREFIX = '/graphql/persist.json/'
const LIST_PATH = '/graphql/list.json'
const NAME = /^[^\s/;]+$/

/**
 * @typedef {object} StoredQuery
 * @property {string} conf
 * @property {string} name
 * @property {string} query the query text as persisted
 * @property {import('./caching').CachePolicy} cache `cache-control.max-age` and the
 *   `surrogate-control` directives given when persisting (each replaces the tier's default)
 * @property {number} modified when it was persisted (created or last updated), in ms: its `Last-Modified`
 */

/** @typedef {import('./persisted').Answer} Answer */

/** @returns {{errors: [{errorType: 'ServletError', message: string}]}} */
function servletError (message) {
  return { errors: [{ errorType: 'ServletError', message }] }
}

/** @returns {string} the repository path of a persisted query */
function longForm (conf, name) {
  return `/conf/${conf}/settings/graphql/persistentQueries/${name}`
}

/**
 * Creates an empty store. `readOnly` holds queries that exist but cannot be replaced (the built-in
 * fixtures): `{conf/name: query text or null}`; those with a text are listed. Queries are checked
 * against, and run over, `content`.
 * @param {Record<string, string|null>} readOnly
 * @param {ReturnType<import('./schema').createContent>} content
 */
function createQueryStore (readOnly, content) {
  /** @type {Map<string, StoredQuery>} */
  const queries = new Map()
  return {
    content,
    /** @returns {StoredQuery|undefined} */
    get: (conf, name) => queries.get(`${conf}/${name}`),
    /** @returns {boolean} true for a built-in query */
    isBuiltIn: (conf, name) => Object.prototype.hasOwnProperty.call(readOnly, `${conf}/${name}`),
    /** @param {StoredQuery} entry */
    set: (entry) => { queries.set(`${entry.conf}/${entry.name}`, entry) },
    /** @returns {Array<{conf: string, name: string, query: string}>} built-in (with a text) and stored queries */
    all () {
      const builtIn = Object.entries(readOnly).filter(([, query]) => typeof query === 'string').map(([key, query]) => {
        const [conf, name] = key.split('/')
        return { conf, name, query }
      })
      return [...builtIn, ...queries.values()]
    }
  }
}

/** Splits `{conf}/{name}` (percent-encoded) into its decoded parts; null when it is not exactly that. */
function confAndName (rest) {
  const parts = rest.split('/')
  if (parts.length !== 2) return null
  try {
    const [conf, name] = parts.map(decodeURIComponent)
    return NAME.test(conf) && NAME.test(name) ? { conf, name } : null
  } catch {
    return null
  }
}

/** @returns {boolean} whether `value` is a JSON object (not null, not an array) */
function isObject (value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

const NON_NEGATIVE = (value) => Number.isInteger(value) && value >= 0

/**
 * Reads the caching members of a persisted query's definition: `"cache-control": {"max-age": N}` and
 * `"surrogate-control": {"max-age": N, "stale-while-revalidate": N, "stale-if-error": N}` (both
 * optional; `surrogate-control` with any of its three directives). Values: non-negative integers.
 * @param {object} json
 * @returns {{cache: import('./caching').CachePolicy}|{error: string}}
 */
function readCachePolicy (json) {
  const cache = {}
  const cacheControl = json['cache-control']
  if (cacheControl !== undefined && cacheControl !== null) {
    const keys = isObject(cacheControl) ? Object.keys(cacheControl) : []
    if (keys.length !== 1 || keys[0] !== 'max-age' || !NON_NEGATIVE(cacheControl['max-age'])) {
      return { error: "'cache-control' must be {\"max-age\": a non-negative integer}" }
    }
    cache.maxAge = cacheControl['max-age']
  }
  const surrogateControl = json['surrogate-control']
  if (surrogateControl !== undefined && surrogateControl !== null) {
    const keys = isObject(surrogateControl) ? Object.keys(surrogateControl) : []
    const valid = keys.length > 0 && keys.every((k) => SURROGATE_DIRECTIVES.includes(k) && NON_NEGATIVE(surrogateControl[k]))
    if (!valid) {
      return {
        error: "'surrogate-control' must be an object of \"max-age\", \"stale-while-revalidate\" and/or " +
          '"stale-if-error", each a non-negative integer'
      }
    }
    cache.surrogate = { ...surrogateControl }
  }
  return { cache }
}

/**
 * Reads a persist body: the raw query text, or JSON `{"query", "cache-control", "surrogate-control"}`
 * (see readCachePolicy).
 * @returns {{query: string, cache: import('./caching').CachePolicy}|{error: string}}
 */
function readPersistBody (body) {
  let json
  try { json = JSON.parse(body) } catch { json = null }
  if (!json || typeof json !== 'object' || typeof json.query !== 'string') return { query: body, cache: {} }
  const read = readCachePolicy(json)
  return read.error ? read : { query: json.query, cache: read.cache }
}

/**
 * Checks a query against the content and stores it at `conf/name`, created or replaced.
 * @param {ReturnType<typeof createQueryStore>} store
 * @param {{query: string, cache: import('./caching').CachePolicy}} read what readPersistBody gave
 * @returns {string|null} graphql-js's message when the query is invalid, else null
 */
function saveQuery (store, conf, name, { query, cache }) {
  const { errors } = store.content.checkQuery(query)
  if (errors.length) return errors[0].message
  store.set({ conf, name, query, cache, modified: Date.now() })
  return null
}

/**
 * Persists a query from code: creates `conf/name`, or replaces it (unlike `PUT persist.json`).
 * @param {ReturnType<typeof createQueryStore>} store
 * @param {string} path `conf/name`
 * @param {string|{query: string, 'cache-control'?: object, 'surrogate-control'?: object}} definition
 *   the query text, or the JSON a `persist.json` body takes
 * @throws {TypeError} for a path that is not `conf/name`, a built-in query, invalid cache values, or a
 *   query the schema rejects (graphql-js's message)
 */
function putQuery (store, path, definition) {
  const [conf, name, ...rest] = String(path).replace(/^\//, '').split('/')
  const fail = (reason) => new TypeError(`persisted query ${JSON.stringify(path)}: ${reason}`)
  if (rest.length || !NAME.test(conf || '') || !NAME.test(name || '')) throw fail('a path is conf/name')
  if (store.isBuiltIn(conf, name)) throw fail('built into the emulator, it cannot be replaced')
  const json = typeof definition === 'string' ? { query: definition } : definition
  if (!isObject(json) || typeof json.query !== 'string') throw fail('give the query text, or {query, "cache-control"?, "surrogate-control"?}')
  const extra = Object.keys(json).filter((key) => !['query', 'cache-control', 'surrogate-control'].includes(key))
  if (extra.length) throw fail(`unknown ${extra.join(', ')} (known: query, cache-control, surrogate-control)`)
  const read = readCachePolicy(json)
  if (read.error) throw fail(read.error)
  const error = saveQuery(store, conf, name, { query: json.query, cache: read.cache })
  if (error) throw fail(error)
}

/**
 * `PUT` (create; 409 when the query exists) or `POST` (update; 404 when it does not) of
 * `/graphql/persist.json/{conf}/{name}`.
 * @param {string} method
 * @param {string} rawPath
 * @param {string} body
 * @param {ReturnType<typeof createQueryStore>} store
 * @returns {Answer}
 */
function persistQuery (method, rawPath, body, store) {
  if (method !== 'PUT' && method !== 'POST') {
    return { status: 405, json: servletError(`Method ${method} not allowed, use PUT or POST`), headers: { allow: 'PUT, POST' } }
  }
  const target = confAndName(rawPath.slice(PERSIST_PREFIX.length))
  if (!target) return { status: 400, json: servletError(`Invalid persisted query path: ${rawPath}`) }
  const { conf, name } = target
  const path = longForm(conf, name)
  const exists = store.isBuiltIn(conf, name) || store.get(conf, name) !== undefined
  if (method === 'PUT' && exists) {
    return { status: 409, json: servletError(`A persisted query already exists at ${path}`) }
  }
  if (method === 'POST' && !exists) return { status: 404, json: servletError(`No persisted query found for path: ${path}`) }
  if (method === 'POST' && store.isBuiltIn(conf, name)) {
    return { status: 403, json: servletError(`The persisted query at ${path} is built into the emulator and cannot be updated`) }
  }
  const read = readPersistBody(body)
  if (read.error) return { status: 400, json: servletError(read.error) }
  const error = saveQuery(store, conf, name, read)
  if (error) return { status: 400, json: servletError(error) }
  return {
    status: method === 'PUT' ? 201 : 200,
    json: {
      action: method === 'PUT' ? 'create' : 'update',
      configurationName: conf,
      name,
      shortPath: `/${conf}/${name}`,
      path
    }
  }
}

/**
 * `GET /graphql/list.json` (every configuration) or `GET /graphql/list.json/{conf}` (that one, or `[]`).
 * @returns {Answer}
 */
function listQueries (method, rawPath, store) {
  if (method !== 'GET') {
    return { status: 405, json: servletError(`Method ${method} not allowed, use GET`), headers: { allow: 'GET' } }
  }
  let only = rawPath.slice(LIST_PATH.length + 1).replace(/\/$/, '')
  try { only = decodeURIComponent(only) } catch { return { status: 400, json: servletError(`Invalid path: ${rawPath}`) } }
  const byConf = new Map()
  for (const q of store.all()) {
    if (only && q.conf !== only) continue
    if (!byConf.has(q.conf)) byConf.set(q.conf, [])
    byConf.get(q.conf).push(q)
  }
  const byName = (a, b) => (a < b ? -1 : a > b ? 1 : 0)
  const json = [...byConf.keys()].sort(byName).map((conf) => ({
    configurationName: conf,
    queries: byConf.get(conf).sort((a, b) => byName(a.name, b.name)).map((q) => ({
      path: { shortForm: `/${conf}/${q.name}`, longForm: longForm(conf, q.name) },
      data: { query: q.query }
    }))
  }))
  return { status: 200, json }
}

/** Turns a GET variable (always a string) into a value of the declared GraphQL type. */
function fromString (value, type) {
  if (isNonNullType(type)) type = type.ofType
  const name = type.name
  if (value === 'null' && name !== 'String' && name !== 'ID') return null
  if (isListType(type) || isInputObjectType(type)) {
    try { return JSON.parse(value) } catch { return value }
  }
  if (name === 'Int') return /^\s*-?\d+\s*$/.test(value) ? Number(value) : value
  if (name === 'Float') return value.trim() !== '' && Number.isFinite(Number(value)) ? Number(value) : value
  if (name === 'Boolean') return value === 'true' ? true : value === 'false' ? false : value
  return value // String, ID, enums, other scalars: as is
}

/**
 * Coerces GET variables to the types the operation declares in `schema`; undeclared ones are passed
 * as they are (graphql-js then reports anything that still does not fit).
 */
function coerceToDeclared (schema, document, operationName, variables) {
  const operation = document && getOperationAST(document, operationName)
  const out = { ...variables }
  for (const definition of (operation && operation.variableDefinitions) || []) {
    const name = definition.variable.name.value
    const type = typeFromAST(schema, definition.type)
    if (type && typeof out[name] === 'string') out[name] = fromString(out[name], type)
  }
  return out
}

/**
 * Runs a query persisted through `persist.json` with graphql-js: GET variables (strings from the path)
 * are coerced to the declared types, POST body variables are used as they are and win. The answer
 * is cacheable with the query's own cache values over the tier's, last modified when it was persisted.
 * @param {ReturnType<import('./schema').createContent>} content what it runs over
 * @param {StoredQuery} stored
 * @param {Record<string, string>} pathVariables
 * @param {object|null} bodyRequest the parsed POST body, if any
 * @returns {Promise<Answer>}
 */
async function runStoredQuery (content, stored, pathVariables, bodyRequest) {
  const operationName = bodyRequest && typeof bodyRequest.operationName === 'string' ? bodyRequest.operationName : undefined
  const bodyVariables = bodyRequest && bodyRequest.variables && typeof bodyRequest.variables === 'object'
    ? bodyRequest.variables
    : {}
  const { document } = content.checkQuery(stored.query)
  const variables = { ...coerceToDeclared(content.schema, document, operationName, pathVariables), ...bodyVariables }
  const result = await content.executeQuery(stored.query, variables, operationName)
  return { status: 200, json: result, cache: stored.cache, lastModified: stored.modified }
}

module.exports = {
  createQueryStore, persistQuery, putQuery, readCachePolicy, listQueries, runStoredQuery, coerceToDeclared, PERSIST_PREFIX, LIST_PATH
}
