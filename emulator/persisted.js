'use strict'

/**
 * AEM persisted queries: `/graphql/execute.json/{conf}/{name}{vars}`, the built-in queries and error
 * fixtures, and (through `store.js`) the queries persisted with `persist.json`.
 * @module emulator/persisted
 */

const { listAdventures } = require('./content')
const { runStoredQuery } = require('./store')

const PREFIX = '/graphql/execute.json/'

const DISPATCHER_502 = '<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n' +
  '<title>502 Bad Gateway</title>\n</head><body>\n<h1>Bad Gateway</h1>\n' +
  '<p>The proxy server received an invalid response from an upstream server.<br />\n</p>\n' +
  '<hr>\n<address>Apache/2.4 (Dispatcher) Server at publish-p12345-e67890.adobeaemcloud.com Port 443</address>\n' +
  '</body></html>\n'

/**
 * @typedef {object} Answer what to send back
 * @property {number} status
 * @property {unknown} [json] a JSON body
 * @property {string} [text] a non-JSON body, with `contentType`
 * @property {string} [contentType]
 * @property {Record<string, string>} [headers]
 * @property {true|import('./caching').CachePolicy} [cache] a cacheable GraphQL result: `true` for the
 *   tier's `Cache-Control` and `Surrogate-Control`, or the query's own values over them (caching.js)
 * @property {string|null} [etag] the `ETag` of a 200 (default: a hash of the body; null: none)
 * @property {number|null} [lastModified] `Last-Modified` of a 200, in ms (default: when the emulator
 *   started; null: none)
 */

/** @param {string} message @param {string|null} [details] @returns {object} AEM's servlet error body */
function servletError (message, details = null) {
  return { errors: [{ errorType: 'ServletError', message, details }] }
}

/** @returns {Answer} a 200 with graphql-java's answer to a variable it could not coerce */
function invalidVariable (name, reason) {
  return {
    status: 200,
    json: {
      errors: [{
        message: `Variable '${name}' has an invalid value: ${reason}`,
        locations: [{ line: 1, column: 20 }],
        extensions: { classification: 'ValidationError' }
      }]
    }
  }
}

/**
 * Parses the raw (still percent-encoded) path of a persisted-query call.
 * The suffix is `encodeURIComponent(';a=1;b=x')` followed by a literal `;`.
 * @param {string} rawPath the path after the host, without the query string
 * @returns {{conf: string, name: string, variables: Record<string, string>}|null} null when not decodable
 */
function parsePersistedPath (rawPath) {
  const rest = rawPath.slice(PREFIX.length)
  const slash = rest.indexOf('/')
  let conf, decoded
  try {
    conf = decodeURIComponent(slash < 0 ? rest : rest.slice(0, slash))
    decoded = slash < 0 ? '' : decodeURIComponent(rest.slice(slash + 1))
  } catch {
    return null
  }
  const [name, ...pairs] = decoded.split(';')
  const variables = {}
  for (const pair of pairs) {
    if (!pair) continue
    const eq = pair.indexOf('=')
    if (eq < 0) variables[pair] = ''
    else variables[pair.slice(0, eq)] = pair.slice(eq + 1)
  }
  return { conf, name, variables }
}

/** Turns strings that are JSON numbers or booleans into those; leaves the rest as strings. */
function coerce (variables) {
  const out = {}
  for (const [name, value] of Object.entries(variables)) {
    let parsed
    try { parsed = JSON.parse(value) } catch { parsed = value }
    out[name] = typeof parsed === 'number' || typeof parsed === 'boolean' ? parsed : value
  }
  return out
}

/** @returns {number|undefined|Answer} the imageWidth variable, or an error Answer */
function imageWidthOf (variables) {
  const width = variables.imageWidth
  if (width === undefined || width === null) return undefined
  if (!Number.isInteger(width)) return invalidVariable('imageWidth', `Expected type 'Int' but was '${typeof width}'.`)
  return width
}

/** @returns {Answer} */
function adventuresAll (variables) {
  const imageWidth = imageWidthOf(variables)
  if (typeof imageWidth === 'object') return imageWidth
  return { status: 200, json: { data: { adventureList: { items: listAdventures({ imageWidth }) } } }, cache: true }
}

/** @returns {Answer} */
function adventureBySlug (variables) {
  if (variables.slug === undefined || variables.slug === null) {
    return invalidVariable('slug', "Variable 'slug' has coerced Null value for NonNull type 'String!'")
  }
  const imageWidth = imageWidthOf(variables)
  if (typeof imageWidth === 'object') return imageWidth
  const slug = String(variables.slug)
  const items = listAdventures({ imageWidth }).filter((a) => a.slug === slug)
  return { status: 200, json: { data: { adventureList: { items } } }, cache: true }
}

/** How many times `test/cache-control` has answered, in this process. */
let cacheControlServed = 0
/** The `serial` each `etag` value of `test/cache-control` answered with first. */
const cacheControlByEtag = new Map()

/** An `etag` variable as an entity tag: as given when quoted (`"x"`, `W/"x"`), else quoted. */
function entityTag (value) {
  const text = String(value)
  return /^(W\/)?"[^"]*"$/.test(text) ? text : `"${text.replace(/"/g, '')}"`
}

/**
 * @returns {Answer|Promise<Answer>} an answer whose `serial` grows with every answer, with the
 * `Cache-Control` (`cc`), `Surrogate-Control` (`sc`), `Age` (`age`) and `Vary` (`vary`) the
 * variables ask for, after `delay` milliseconds; `status` sets the status (a servlet error body
 * unless 2xx), and `errors` adds GraphQL errors to a 200. No `ETag` and no `Last-Modified`, unless
 * `etag` is given: then a 200 carries `ETag: "{etag}"` and its body is fixed for that value (the
 * `serial` of the first answer with it), so that `If-None-Match` with it gives 304
 */
function cacheControl ({ cc, sc, age, vary, delay, status, errors, etag }) {
  const headers = {}
  if (cc !== undefined) headers['cache-control'] = String(cc)
  if (sc !== undefined) headers['surrogate-control'] = String(sc)
  if (age !== undefined) headers.age = String(age)
  if (vary !== undefined) headers.vary = String(vary)
  cacheControlServed += 1
  const code = Number(status) || 200
  let serial = cacheControlServed
  let tag = null
  if (etag !== undefined && code === 200) {
    tag = entityTag(etag)
    if (!cacheControlByEtag.has(tag)) cacheControlByEtag.set(tag, serial)
    serial = cacheControlByEtag.get(tag)
  }
  const data = { cached: { serial } }
  const json = code >= 300
    ? servletError(`failure ${cacheControlServed}`)
    : errors ? { errors: [{ message: `query failed ${serial}` }], data } : { data }
  const answer = { status: code, json, headers, etag: tag, lastModified: null }
  if (!(Number(delay) > 0)) return answer
  return new Promise((resolve) => setTimeout(() => resolve(answer), Math.min(Number(delay), 10000)))
}

/** Queries keyed by `conf/name`; each gets ({variables, rawPath, method}). */
const QUERIES = {
  'wknd-shared/adventures-all': ({ variables }) => adventuresAll(variables),
  'wknd-shared/adventure-by-slug': ({ variables }) => adventureBySlug(variables),
  'test/echo': ({ rawPath, rawVariables }) => ({ status: 200, json: { data: { echo: { rawPath, variables: rawVariables } } } }),
  'test/error-500': () => ({
    status: 500,
    json: servletError('Internal error while running the query', 'java.lang.NullPointerException')
  }),
  'test/error-400': () => ({ status: 400, json: { message: 'Invalid variables' } }),
  'test/query-error': () => ({
    status: 200,
    json: {
      errors: [{
        message: "Validation error of type FieldUndefined: Field 'nope' in type 'AdventureModel' is undefined @ 'adventureList/items/nope'",
        locations: [{ line: 1, column: 30 }],
        extensions: { classification: 'ValidationError' }
      }],
      data: { adventureList: null }
    }
  }),
  'test/cache-control': ({ rawVariables }) => cacheControl(rawVariables),
  'test/html-502': () => ({ status: 502, contentType: 'text/html;charset=utf-8', text: DISPATCHER_502 }),
  'test/not-json': () => ({ status: 200, contentType: 'text/plain;charset=utf-8', text: 'this is not json' }),
  // JSON in its brackets but broken (a trailing comma), as a truncating or hand-written proxy
  // could send it; and GraphQL errors whose member name is spelled with a \u escape (valid JSON).
  'test/broken-json': () => ({ status: 200, contentType: 'application/json', text: '{"data": {"adventureList": {"items": [1, 2,]}}}' }),
  'test/escaped-errors': () => ({ status: 200, contentType: 'application/json', text: '{"data": null, "\\u0065rrors": [{"message": "spelled with an escape"}]}' })
}

const ADVENTURE_FIELDS = `_path title slug activity adventureType price tripLength groupSize difficulty
      primaryImage { ... on ImageRef { _path _dynamicUrl mimeType width height } }
      description { html plaintext }
      itinerary { html plaintext }`

/**
 * What `list.json` shows for each built-in query: a text that gives the same data over `schema.js`
 * (the answers themselves come from QUERIES). `null`: exists (PUT answers 409) but is not listed.
 */
const BUILT_IN_TEXTS = {
  'wknd-shared/adventures-all': `query ($imageWidth: Int) {
  adventureList(_assetTransform: {width: $imageWidth, preferWebp: true}) {
    items {
      ${ADVENTURE_FIELDS}
    }
  }
}`,
  'wknd-shared/adventure-by-slug': `query ($slug: String!, $imageWidth: Int) {
  adventureList(
    filter: {slug: {_expressions: [{value: $slug, _operator: EQUALS}]}}
    _assetTransform: {width: $imageWidth, preferWebp: true}
  ) {
    items {
      ${ADVENTURE_FIELDS}
    }
  }
}`
}
for (const key of Object.keys(QUERIES)) if (!(key in BUILT_IN_TEXTS)) BUILT_IN_TEXTS[key] = null

/**
 * Runs a persisted query. GET takes variables from the path; POST from the JSON body
 * `{"variables": {...}}` (merged over any in the path). Built-in queries come first; then those
 * persisted into `store`, run by graphql-js (async); then 404.
 * @param {string} method
 * @param {string} rawPath the raw path, starting with `/graphql/execute.json/`
 * @param {string} body the request body (POST)
 * @param {ReturnType<import('./store').createQueryStore>} [store] queries persisted with `persist.json`
 *   or from code, and the content they run over
 * @returns {Answer|Promise<Answer>}
 */
function runPersistedQuery (method, rawPath, body, store) {
  const parsed = parsePersistedPath(rawPath)
  if (!parsed) return { status: 400, json: servletError('Invalid persisted query path', 'URIError: URI malformed') }
  const { conf, name } = parsed
  let rawVariables = parsed.variables
  let variables = coerce(rawVariables)
  let parsedBody = null
  if (method === 'POST' && body.trim()) {
    try { parsedBody = JSON.parse(body) } catch (e) {
      return { status: 400, json: servletError('Invalid request body', e.message) }
    }
    const bodyVariables = parsedBody && typeof parsedBody.variables === 'object' ? parsedBody.variables : {}
    rawVariables = { ...rawVariables, ...bodyVariables }
    variables = { ...variables, ...bodyVariables }
  }
  const query = QUERIES[`${conf}/${name}`]
  const stored = !query && store ? store.get(conf, name) : undefined
  if (stored) return runStoredQuery(store.content, stored, parsed.variables, parsedBody)
  if (!query) {
    return {
      status: 404,
      json: servletError(`No persisted query found for path: /conf/${conf}/settings/graphql/persistentQueries/${name}`)
    }
  }
  return query({ variables, rawVariables, rawPath })
}

module.exports = { runPersistedQuery, parsePersistedPath, PREFIX, BUILT_IN_TEXTS }
