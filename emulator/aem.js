'use strict'

/**
 * AEM Publish routes: authorization, persisted queries (running, persisting, listing), the ad-hoc
 * GraphQL endpoint, and the Sites API under `/adobe/sites` (emulator/sites.js).
 * @module emulator/aem
 */

const { randomUUID } = require('node:crypto')
const { send, sendJson, splitUrl, same } = require('./http')
const { runPersistedQuery, PREFIX, BUILT_IN_TEXTS } = require('./persisted')
const { handleFault } = require('./faults')
const { createQueryStore, persistQuery, listQueries, PERSIST_PREFIX, LIST_PATH } = require('./store')
const { executeQuery } = require('./schema')
const { createSitesHandler } = require('./sites')
const { finishPersisted } = require('./caching')

const GRAPHQL_ENDPOINT = '/content/graphql/global/endpoint.json'

/**
 * Decides whether a request may be served.
 * @param {string|undefined} authorization the Authorization header
 * @param {{tokens: {isValid: (t: string) => boolean}, basicAuth: [string, string], requireAuth: boolean}} ctx
 * @returns {boolean}
 */
function isAuthorized (authorization, { tokens, basicAuth, requireAuth }) {
  if (!authorization) return !requireAuth
  const [scheme, value = ''] = authorization.trim().split(/\s+/, 2)
  if (/^bearer$/i.test(scheme)) return tokens.isValid(value)
  if (/^basic$/i.test(scheme)) return same(Buffer.from(value, 'base64').toString('utf8'), basicAuth.join(':'))
  return false
}

/**
 * Runs an ad-hoc query from a `{query, variables?, operationName?}` body. Empty argument lists
 * (`articlePaginated( )`, from Adobe's query builder) are dropped before parsing, as AEM tolerates them.
 */
async function runAdHocQuery (body) {
  let request
  try {
    request = JSON.parse(body)
  } catch (e) {
    return { status: 400, json: { errors: [{ message: 'Unable to parse the request body: ' + e.message }] } }
  }
  if (!request || typeof request.query !== 'string') {
    return { status: 400, json: { errors: [{ message: "The request body has no 'query' string" }] } }
  }
  const result = await executeQuery(request.query, request.variables || undefined, request.operationName || undefined)
  return { status: 200, json: result }
}

/**
 * Creates the AEM Publish request handler. Queries persisted through `persist.json` live in memory,
 * one store per handler (so per emulator), and so do the Sites API's fragments.
 * @param {object} ctx
 * @param {{isValid: (token: string) => boolean}} ctx.tokens the token store
 * @param {[string, string]} ctx.basicAuth accepted Basic user and password
 * @param {boolean} ctx.requireAuth when false, requests without Authorization are served
 * @param {{apiKey: string, blobStore: {url: string, secret: Buffer}, faults: object}} ctx.sites the
 *   Sites API's `X-Api-Key`, blob store and fault queue (see emulator/sites.js and emulator/blob-store.js)
 * @param {'publish'|'author'} [ctx.tier='publish'] whose default cache headers persisted queries get
 * @param {boolean} [ctx.surrogateControl=true] false drops `Surrogate-Control` from every answer
 * @param {boolean} [ctx.graphqlResponseJson=false] AEM's `responseContentTypeGraphQLResponseJson`
 * @param {{persistedQueries: number, notModified: number}} [ctx.stats] counters, updated in place
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string) => Promise<void>}
 */
function createAemHandler (ctx) {
  const store = createQueryStore(BUILT_IN_TEXTS)
  const handleSites = createSitesHandler({ tokens: ctx.tokens, ...ctx.sites })
  const stats = ctx.stats || { persistedQueries: 0, notModified: 0 }
  const finishing = {
    tier: ctx.tier || 'publish',
    graphqlResponseJson: Boolean(ctx.graphqlResponseJson),
    since: Date.now()
  }
  return async function handleAem (req, res, body) {
    const headers = { 'x-request-id': randomUUID() }
    const { path } = splitUrl(req.url)
    if (path.startsWith(PREFIX)) stats.persistedQueries += 1
    if (!isAuthorized(req.headers.authorization, ctx)) return send(res, 401, null, null, headers)
    if (handleFault(path, res, headers)) return
    if (await handleSites(req, res, body)) return
    let answer
    if (path.startsWith(PREFIX)) answer = finishPersisted(req, await runPersistedQuery(req.method, path, body, store), finishing)
    else if (path.startsWith(PERSIST_PREFIX)) answer = persistQuery(req.method, path, body, store)
    else if (path === LIST_PATH || path.startsWith(LIST_PATH + '/')) answer = listQueries(req.method, path, store)
    else if (path === GRAPHQL_ENDPOINT && req.method === 'POST') answer = await runAdHocQuery(body)
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
}

module.exports = { createAemHandler, isAuthorized }
