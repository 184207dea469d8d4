'use strict'

/**
 * AEM Publish routes: authorization, persisted queries (running, persisting, listing), the ad-hoc
 * GraphQL endpoint, and the Sites API under `/adobe/sites` (emulator/sites.js); and what code
 * changes in them: the content, queries, users, default cache headers and injected failures.
 * @module emulator/aem
 */

const { randomUUID } = require('node:crypto')
const { send, sendJson, splitUrl, same } = require('./http')
const { runPersistedQuery, PREFIX, BUILT_IN_TEXTS } = require('./persisted')
const { handleFault, createFaultQueue, faultAnswer, DISPATCHER_503 } = require('./faults')
const {
  createQueryStore, persistQuery, putQuery, readCachePolicy, listQueries, PERSIST_PREFIX, LIST_PATH
} = require('./store')
const { createContent } = require('./schema')
const { createSitesHandler } = require('./sites')
const { finishPersisted, defaultPolicy } = require('./caching')

const GRAPHQL_ENDPOINT = '/content/graphql/global/endpoint.json'
const CONTENT_KEYS = ['models', 'fragments', 'persistedQueries', 'users']

/**
 * Decides whether a request may be served.
 * @param {string|undefined} authorization the Authorization header
 * @param {{tokens: {isValid: (t: string) => boolean}, users: Map<string, string>, requireAuth: boolean}} ctx
 *   `users`: the Basic users and their passwords
 * @returns {boolean}
 */
function isAuthorized (authorization, { tokens, users, requireAuth }) {
  if (!authorization) return !requireAuth
  const [scheme, value = ''] = authorization.trim().split(/\s+/, 2)
  if (/^bearer$/i.test(scheme)) return tokens.isValid(value)
  if (!/^basic$/i.test(scheme)) return false
  const pair = Buffer.from(value, 'base64').toString('utf8')
  const colon = pair.indexOf(':')
  const password = colon < 0 ? undefined : users.get(pair.slice(0, colon))
  return password !== undefined && same(pair.slice(colon + 1), password)
}

/**
 * Runs an ad-hoc query from a `{query, variables?, operationName?}` body. Empty argument lists
 * (`articlePaginated( )`, from Adobe's query builder) are dropped before parsing, as AEM tolerates them.
 */
async function runAdHocQuery (content, body) {
  let request
  try {
    request = JSON.parse(body)
  } catch (e) {
    return { status: 400, json: { errors: [{ message: 'Unable to parse the request body: ' + e.message }] } }
  }
  if (!request || typeof request.query !== 'string') {
    return { status: 400, json: { errors: [{ message: "The request body has no 'query' string" }] } }
  }
  const result = await content.executeQuery(request.query, request.variables || undefined, request.operationName || undefined)
  return { status: 200, json: result }
}

/** The answer an injected failure gets on a GraphQL route: a Dispatcher page for 503, else a servlet error. */
function aemFaultAnswer (rule) {
  const fallback = rule.status === 503
    ? { text: DISPATCHER_503, contentType: 'text/html;charset=utf-8' }
    : { json: { errors: [{ errorType: 'ServletError', message: `Injected fault: ${rule.status}` }] } }
  return faultAnswer(rule, fallback)
}

/**
 * @typedef {object} EmulatorContent an app's own content, as `load` takes it
 * @property {Record<string, Record<string, string>>} [models] Content Fragment Models:
 *   `{modelName: {fieldName: 'GraphQL type'}}`, e.g. `{article: {title: 'String', body: 'MultiFormatString'}}`
 * @property {Record<string, object[]>} [fragments] `{modelName: [fragment, ...]}`
 * @property {Record<string, string|{query: string, 'cache-control'?: {'max-age': number},
 *   'surrogate-control'?: Record<string, number>}>} [persistedQueries] `{'conf/name': query text or a persist.json body}`
 * @property {Record<string, string>} [users] Basic users: `{name: password}`
 */

/**
 * Creates the AEM side of one emulator. Its content, persisted queries, users, default cache
 * headers, injected failures and the Sites API's fragments live in memory; a new one starts afresh.
 * @param {object} ctx
 * @param {{isValid: (token: string) => boolean}} ctx.tokens the token store
 * @param {[string, string]} ctx.basicAuth the first Basic user and password
 * @param {boolean} ctx.requireAuth when false, requests without Authorization are served
 * @param {{apiKey: string, blobStore: {url: string, secret: Buffer}}} ctx.sites the Sites API's
 *   `X-Api-Key` and blob store (see emulator/sites.js and emulator/blob-store.js)
 * @param {'publish'|'author'} [ctx.tier='publish'] whose default cache headers persisted queries get
 * @param {boolean} [ctx.surrogateControl=true] false drops `Surrogate-Control` from every answer
 * @param {boolean} [ctx.graphqlResponseJson=false] AEM's `responseContentTypeGraphQLResponseJson`
 * @param {{persistedQueries: number, notModified: number}} [ctx.stats] counters, updated in place
 * @param {{sitesFragments: object}} [ctx.publishing] content changes (emulator/publishing.js): the app's
 *   fragments as the Sites API sees them, and its publish route
 * @param {{handle: Function}} [ctx.uploadRoutes] the asset upload routes (emulator/uploads.js), shared by
 *   every AEM side of an emulator
 */
function createAem (ctx) {
  const content = createContent()
  const store = createQueryStore(BUILT_IN_TEXTS, content)
  const faults = createFaultQueue()
  const users = new Map([ctx.basicAuth])
  const handleSites = createSitesHandler({ tokens: ctx.tokens, ...ctx.sites, faults, appFragments: ctx.publishing && ctx.publishing.sitesFragments })
  const stats = ctx.stats || { persistedQueries: 0, notModified: 0 }
  const tier = ctx.tier || 'publish'
  const since = Date.now()
  let cacheOverride = {}

  /** Answers one AEM request (everything but `/ims/…`). */
  async function handle (req, res, body) {
    const headers = { 'x-request-id': randomUUID() }
    const { path } = splitUrl(req.url)
    if (path.startsWith(PREFIX)) stats.persistedQueries += 1
    if (!isAuthorized(req.headers.authorization, { tokens: ctx.tokens, users, requireAuth: ctx.requireAuth })) {
      return send(res, 401, null, null, headers)
    }
    if (await handleSites(req, res, body)) return
    const rule = faults.take(req.method, path)
    if (!rule && handleFault(path, res, headers)) return
    if (!rule && ctx.uploadRoutes && await ctx.uploadRoutes.handle(req, res, body, headers)) return
    let answer
    if (rule) answer = aemFaultAnswer(rule)
    else if (path.startsWith(PREFIX)) {
      const finishing = { defaults: defaultPolicy(tier, cacheOverride), graphqlResponseJson: Boolean(ctx.graphqlResponseJson), since }
      answer = finishPersisted(req, await runPersistedQuery(req.method, path, body, store), finishing)
    } else if (path.startsWith(PERSIST_PREFIX)) answer = persistQuery(req.method, path, body, store)
    else if (path === LIST_PATH || path.startsWith(LIST_PATH + '/')) answer = listQueries(req.method, path, store)
    else if (path === GRAPHQL_ENDPOINT && req.method === 'POST') answer = await runAdHocQuery(content, body)
    else answer = { status: 404, json: { errors: [{ errorType: 'ServletError', message: 'Not found' }] } }
    const all = { ...answer.headers, ...headers }
    if (ctx.surrogateControl === false) delete all['surrogate-control']
    if (answer.status === 304) {
      stats.notModified += 1
      res.writeHead(304, all)
      return res.end()
    }
    if (answer.text !== undefined) send(res, answer.status, answer.contentType, answer.text, all)
    else sendJson(res, answer.status, answer.json, all)
  }

  return {
    handle,

    /**
     * Loads an app's content, in this order: users, models, fragments, persisted queries (checked
     * against the models). Throws a TypeError at the first invalid entry; what came before it stays.
     * @param {EmulatorContent} loaded
     */
    load (loaded) {
      if (!loaded || typeof loaded !== 'object') throw new TypeError(`load takes an object of ${CONTENT_KEYS.join(', ')}`)
      const unknown = Object.keys(loaded).filter((key) => !CONTENT_KEYS.includes(key))
      if (unknown.length) throw new TypeError(`load: unknown ${unknown.join(', ')} (known: ${CONTENT_KEYS.join(', ')})`)
      for (const [name, password] of Object.entries(loaded.users || {})) {
        if (name === '' || name.includes(':') || typeof password !== 'string') {
          throw new TypeError(`user ${JSON.stringify(name)}: a name without ':', and a password string`)
        }
        users.set(name, password)
      }
      if (loaded.models) content.addModels(loaded.models)
      for (const [model, items] of Object.entries(loaded.fragments || {})) content.addFragments(model, items)
      for (const [path, definition] of Object.entries(loaded.persistedQueries || {})) putQuery(store, path, definition)
    },

    /**
     * Replaces the tier's default cache headers of every persisted query (those with values of
     * their own keep them), as AEM's Persisted Query Service configuration does; null goes back to
     * the tier's.
     * @param {{'cache-control'?: {'max-age': number}, 'surrogate-control'?: Record<string, number>}|null} policy
     */
    setCacheHeaders (policy) {
      if (policy === null) {
        cacheOverride = {}
        return
      }
      const keys = policy && typeof policy === 'object' ? Object.keys(policy) : null
      if (!keys || keys.some((key) => key !== 'cache-control' && key !== 'surrogate-control')) {
        throw new TypeError('setCacheHeaders takes {"cache-control"?, "surrogate-control"?} or null')
      }
      const read = readCachePolicy(policy)
      if (read.error) throw new TypeError(`setCacheHeaders: ${read.error}`)
      cacheOverride = read.cache
    },

    /** The fault queue: `add(count, options)` and `clear()` (see emulator/faults.js). */
    faults,

    /** The content persisted queries answer (emulator/schema.js), which publishing changes. */
    content
  }
}

module.exports = { createAem, isAuthorized }
