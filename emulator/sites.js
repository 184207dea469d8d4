'use strict'

/**
 * AEM Sites API routes (`/adobe/sites/...`, OpenAPI-based): content fragments (list with `cursor` and
 * `limit`, get with `ETag`, PATCH with a JSON Patch and PUT, both under `If-Match`), the paginated
 * Content Fragment Models list, a long-running batch job (202, `Location`, `Retry-After`, then 303), a
 * deprecated route with a `Sunset` header, an asset route that redirects to a second origin (the blob
 * store: emulator/blob-store.js), and the failures of the emulator's fault queue. PATCH bodies are applied by
 * emulator/json-patch.js. Shapes: emulator/sites-openapi.yaml (Adobe's description) and
 * emulator/README.md (what the emulator adds to it).
 * @module emulator/sites
 */

const { createHash, randomUUID } = require('node:crypto')
const { send, splitUrl, same, decode } = require('./http')
const { listArticles } = require('./articles')
const { applyOperation, PatchError } = require('./json-patch')
const { signBlobUrl, DEFAULT_BLOB_BYTES, MAX_BLOB_BYTES } = require('./blob-store')
const { faultAnswer } = require('./faults')

const BASE = '/adobe/sites'
const FRAGMENTS = `${BASE}/cf/fragments`
const MODELS = `${BASE}/cf/models`
const BATCH = `${BASE}/cf/batch`
/** Publishing (and unpublishing) fragments: `POST {paths, workflowModelId?}` (emulator/publishing.js). */
const PUBLISH = `${FRAGMENTS}/publish`
const PROBLEM_TYPE = 'application/problem+json;charset=utf-8'
const JSON_TYPE = 'application/json;charset=utf-8'
const FRAGMENT_COUNT = 27
const DEFAULT_LIMIT = 25
const MAX_LIMIT = 100
const MAX_BODY_BYTES = 1024 * 1024
const RUNNING_POLLS = 2
const WRITABLE = new Set(['title', 'description', 'elements', 'variations'])
const TITLES = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  503: 'Service Unavailable'
}

/** The removal date announced by the deprecated route: 31 December of next year, 23:59:59 GMT. */
const SUNSET = new Date(Date.UTC(new Date().getUTCFullYear() + 1, 11, 31, 23, 59, 59)).toUTCString()

/**
 * The models, as `GET /cf/models` lists them (`ContentFragmentModel`).
 * @type {Array<{id: string, path: string, name: string, description: string, lastModified: number,
 *   lastModifiedBy: string, locked: boolean, status: string, fields: object[]}>}
 */
const MODEL_LIST = /** @type {Array<[string, string, string, string[]]>} */ ([
  ['article', 'Article', 'A magazine article', ['title', 'slug', 'author', 'main', 'publishDate', 'featuredImage']],
  ['adventure', 'Adventure', 'A bookable adventure', ['title', 'slug', 'description', 'price', 'primaryImage']],
  ['contributor', 'Contributor', 'An author or photographer', ['fullName', 'biography', 'pictureReference']]
]).map(([name, title, description, fields]) => {
  const path = `/conf/wknd-shared/settings/dam/cfm/models/${name}`
  return {
    id: Buffer.from(path).toString('base64url'),
    path,
    name: title,
    description,
    lastModified: Date.UTC(2023, 7, 2, 13, 1, 48),
    lastModifiedBy: 'admin',
    locked: false,
    status: 'enabled',
    fields: fields.map((field) => ({
      name: field,
      label: field.replace(/^./, (c) => c.toUpperCase()),
      required: field === 'title',
      multiple: false,
      type: { id: field === 'main' || field === 'biography' ? 'long-text' : field === 'price' ? 'number' : 'text', metadata: {} }
    }))
  }
})

/**
 * A problem details answer (RFC 7807: `type`, `title`, `status`, `detail`, `instance`).
 * @param {number} status
 * @param {string} detail
 * @param {{instance?: string, headers?: Record<string, string>, extra?: object, contentType?: string}} [more]
 */
function problem (status, detail, more = {}) {
  const json = { type: 'about:blank', title: TITLES[status] || 'Error', status, detail }
  if (more.instance) json.instance = more.instance
  return { status, json: { ...json, ...more.extra }, headers: more.headers, contentType: more.contentType || PROBLEM_TYPE }
}

/** A 200 (or `status`) JSON answer. */
function ok (json, headers, status = 200) {
  return { status, json, headers, contentType: JSON_TYPE }
}

/**
 * A stable UUID (version 5 layout) for a repository path, so that ids are the same in every run.
 * @param {string} path
 */
function uuidFor (path) {
  const h = createHash('sha1').update('aem-sites-emulator:' + path).digest()
  h[6] = (h[6] & 0x0f) | 0x50
  h[8] = (h[8] & 0x3f) | 0x80
  const x = h.subarray(0, 16).toString('hex')
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`
}

/**
 * Builds the fragment of a magazine article, shaped as the spec's `Fragment`.
 * @param {object} article an item of `listArticles()`
 */
function fragmentOf (article) {
  const at = `${article.publishDate}T09:00:00.000Z`
  return {
    id: uuidFor(article._path),
    path: article._path,
    title: article.title,
    description: '',
    model: { path: MODEL_LIST[0].path, title: MODEL_LIST[0].name },
    metadata: {},
    created: { at, by: 'admin' },
    modified: { at, by: 'admin' },
    published: { at, by: 'admin' },
    status: 'PUBLISHED',
    elements: {
      title: article.title,
      slug: article.slug,
      author: article.author,
      main: article.main.html,
      publishDate: article.publishDate,
      featuredImage: `${article._path}.jpg`
    },
    references: {},
    variations: {}
  }
}

/**
 * Creates a store of the fragments (the first 27 magazine articles, oldest first), each with an ETag
 * that changes at every update, and after them the fragments of the app's own models that
 * `appFragments` gives (emulator/publishing.js: an update of one of them is an author's draft).
 * @param {{list(): object[], get(id: string): object | undefined, update(entry: object, next: object): void,
 *   publish(body: string): object} | null} appFragments
 */
function createFragmentStore (appFragments) {
  const list = listArticles().slice(0, FRAGMENT_COUNT).map(fragmentOf)
  const byId = new Map(list.map((f) => [f.id, { fragment: f, revision: 0, etag: '' }]))
  for (const entry of byId.values()) entry.etag = etagOf(entry)
  return {
    get list () { return appFragments ? [...list, ...appFragments.list()] : list },
    /** @param {string} id */
    get: (id) => byId.get(id) || (appFragments ? appFragments.get(id) : undefined),
    /**
     * Stores a new version of a fragment and gives it a new ETag; returns why it cannot, if it
     * cannot (an app's fragment changes by its `elements` only).
     * @param {{fragment: object, revision: number, etag: string}} entry
     * @param {object} next the whole fragment after the update
     * @param {string} by who updated it
     * @returns {string | undefined}
     */
    update (entry, next, by) {
      if (!byId.has(entry.fragment.id)) return appFragments.update(entry, next)
      next.modified = { at: new Date().toISOString(), by }
      if (next.status === 'PUBLISHED') next.status = 'MODIFIED'
      Object.assign(entry.fragment, next)
      entry.revision++
      entry.etag = etagOf(entry)
    }
  }
}

/** A strong entity tag for a fragment's current content and revision. */
function etagOf ({ fragment, revision }) {
  const digest = createHash('sha256').update(`${revision}\n${JSON.stringify(fragment)}`).digest('base64url')
  return `"${digest.slice(0, 22)}"`
}

/** The entity tags listed in an `If-Match` / `If-None-Match` value. */
function entityTags (value) {
  return String(value).split(',').map((t) => t.trim()).filter(Boolean)
}

/** Strong comparison (`If-Match`): `*`, or the same quoted tag, never a weak one. */
function matchesStrong (header, etag) {
  return entityTags(header).some((t) => t === '*' || t === etag)
}

/** Weak comparison (`If-None-Match`): `*`, or the same tag with or without `W/`. */
function matchesWeak (header, etag) {
  return entityTags(header).some((t) => t === '*' || t.replace(/^W\//, '') === etag)
}

/** The media type of a `Content-Type` value, lower case, without parameters. */
function mediaType (contentType) {
  return String(contentType || '').split(';')[0].trim().toLowerCase()
}

/** Encodes a list position as an opaque cursor. */
function encodeCursor (offset) {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url')
}

/** The list position of a cursor, or `null` when it is not one of ours. */
function decodeCursor (cursor) {
  try {
    const { o } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    return Number.isInteger(o) && o >= 0 ? o : null
  } catch {
    return null
  }
}

/**
 * One page of `items`: `{items, cursor?}` (no `cursor` on the last page), or a 400 problem.
 * @param {object[]} items
 * @param {URLSearchParams} query its `limit` (1 … 100, default 25) and `cursor`
 * @param {string} instance the request path, for problems
 */
function page (items, query, instance) {
  let limit = DEFAULT_LIMIT
  if (query.has('limit')) {
    limit = Number(query.get('limit'))
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      return problem(400, `Invalid 'limit': ${query.get('limit')} (an integer from 1 to ${MAX_LIMIT})`, { instance })
    }
  }
  let offset = 0
  if (query.has('cursor')) {
    offset = decodeCursor(query.get('cursor'))
    if (offset === null) return problem(400, `Invalid 'cursor': ${query.get('cursor')}`, { instance })
  }
  const json = { items: items.slice(offset, offset + limit) }
  if (offset + limit < items.length) json.cursor = encodeCursor(offset + limit)
  return ok(json)
}

/** The fragments at `path` or under it (all of them without `path`). */
function fragmentsUnder (list, path) {
  if (!path) return list
  const base = path.replace(/\/+$/, '')
  return list.filter((f) => f.path === base || f.path.startsWith(base + '/'))
}

/** Checks the writable properties of a fragment after an update; returns an error message or null. */
function invalidFragment (doc) {
  if (typeof doc.title !== 'string') return "'title' must be a string"
  if (doc.description !== undefined && typeof doc.description !== 'string') return "'description' must be a string"
  for (const key of ['elements', 'variations']) {
    const v = doc[key]
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) return `'${key}' must be an object`
  }
  return null
}

/** The user an access token was issued to, for `modified.by`. */
function tokenUser (authorization) {
  try {
    const payload = JSON.parse(Buffer.from(authorization.split(/\s+/)[1].split('.')[1], 'base64url').toString('utf8'))
    return payload.user_id || payload.client_id || 'admin'
  } catch {
    return 'admin'
  }
}

/** Parses a JSON body; returns `{value}` or `{error}`. */
function parseJson (body) {
  try {
    return { value: JSON.parse(body) }
  } catch (e) {
    return { error: 'The request body is not JSON: ' + e.message }
  }
}

/**
 * Checks the preconditions of an update: a fragment ETag in `If-Match` (428 without it, 412 with a
 * stale one, the 412 carrying the current fragment and its ETag). Returns a problem, or null.
 */
function checkIfMatch (headers, entry, instance) {
  const ifMatch = headers['if-match']
  if (ifMatch === undefined || ifMatch.trim() === '') {
    return problem(428, "This request must be conditional: send the fragment's ETag in If-Match", { instance })
  }
  if (!matchesStrong(ifMatch, entry.etag)) {
    return problem(412, `The fragment has changed: If-Match ${ifMatch} does not match its ETag ${entry.etag}`, {
      instance,
      contentType: JSON_TYPE,
      headers: { etag: entry.etag },
      extra: { data: entry.fragment }
    })
  }
  return null
}

/**
 * The fragment after a PATCH (JSON Patch) or PUT (the writable properties: `title`, `description`,
 * `elements`, `variations`; others are ignored) of `body`, or a problem.
 */
function updatedFragment (method, fragment, body, instance) {
  const parsed = parseJson(body)
  if (parsed.error) return { answer: problem(400, parsed.error, { instance }) }
  const next = JSON.parse(JSON.stringify(fragment))
  if (method === 'PATCH') {
    if (!Array.isArray(parsed.value)) return { answer: problem(400, 'A JSON Patch document is an array of operations', { instance }) }
    try {
      for (const operation of parsed.value) {
        if (!operation || typeof operation !== 'object') throw new PatchError(400, 'Each operation is an object')
        applyOperation(next, operation, WRITABLE)
      }
    } catch (e) {
      if (!(e instanceof PatchError)) throw e
      return { answer: problem(e.status, e.message, { instance }) }
    }
  } else {
    const value = parsed.value
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { answer: problem(400, 'The body must be a fragment object', { instance }) }
    for (const key of WRITABLE) {
      if (key in value) next[key] = value[key]
      else if (key !== 'title') next[key] = key === 'description' ? '' : {}
    }
    if (!('title' in value)) return { answer: problem(400, "The body has no 'title'", { instance }) }
  }
  const invalid = invalidFragment(next)
  return invalid ? { answer: problem(400, invalid, { instance }) } : { next }
}

/**
 * `PATCH` / `PUT /cf/fragments/{id}`: 415 for the wrong content type (`application/json-patch+json`
 * for PATCH, with `Accept-Patch`; `application/json` for PUT), 428 / 412 from `If-Match`, 400 / 409
 * from the body, else 200 `{data: Fragment}` with the new `ETag`.
 */
function updateFragment (method, entry, request, store) {
  const { headers, body, instance } = request
  const wanted = method === 'PATCH' ? 'application/json-patch+json' : 'application/json'
  if (mediaType(headers['content-type']) !== wanted) {
    return problem(415, `${method} takes ${wanted}, not ${headers['content-type'] || 'a body without Content-Type'}`, {
      instance,
      headers: method === 'PATCH' ? { 'accept-patch': 'application/json-patch+json' } : undefined
    })
  }
  const failed = checkIfMatch(headers, entry, instance)
  if (failed) return failed
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) return problem(413, `The body is over ${MAX_BODY_BYTES} bytes`, { instance, contentType: JSON_TYPE })
  const { answer, next } = updatedFragment(method, entry.fragment, body, instance)
  if (answer) return answer
  const refused = store.update(entry, next, tokenUser(headers.authorization || ''))
  if (refused) return problem(400, refused, { instance })
  return ok({ data: entry.fragment }, { etag: entry.etag })
}

/**
 * Routes of one fragment: `/cf/fragments/{id}`, `/previewUrl` (deprecated: `Sunset`) and `/asset`
 * (302 to the blob store).
 */
function routeFragment (request, rest, ctx) {
  const { method, headers, query, instance } = request
  const [rawId, sub, extra] = rest.split('/')
  const id = decode(rawId)
  const entry = ctx.store.get(id)
  if (!entry || extra !== undefined) return problem(404, `No content fragment with id ${id}`, { instance })
  if (sub === undefined) {
    if (method === 'GET') {
      const etag = entry.etag
      if (headers['if-none-match'] && matchesWeak(headers['if-none-match'], etag)) return { status: 304, headers: { etag } }
      return ok({ data: entry.fragment }, { etag })
    }
    if (method === 'PATCH' || method === 'PUT') return updateFragment(method, entry, request, ctx.store)
    return methodNotAllowed('GET, PATCH, PUT', instance)
  }
  if (sub === 'previewUrl' && method === 'GET') {
    const url = `${request.origin}${entry.fragment.path}.html`
    return ok({ data: [{ name: 'master', url }] }, { sunset: SUNSET })
  }
  if (sub === 'asset' && method === 'GET') return assetRedirect(entry, query, ctx.blobStore, instance)
  if (sub === 'previewUrl' || sub === 'asset') return methodNotAllowed('GET', instance)
  return problem(404, `Not found: ${instance}`, { instance })
}

/** 302 to a signed blob-store URL of `size` bytes (default 1 MiB, at most 512 MiB). */
function assetRedirect (entry, query, blobStore, instance) {
  let size = DEFAULT_BLOB_BYTES
  if (query.has('size')) {
    size = Number(query.get('size'))
    if (!Number.isInteger(size) || size < 0 || size > MAX_BLOB_BYTES) {
      return problem(400, `Invalid 'size': ${query.get('size')} (0 to ${MAX_BLOB_BYTES} bytes)`, { instance })
    }
  }
  return { status: 302, headers: { location: signBlobUrl(blobStore, `${entry.fragment.id}.bin`, size), 'cache-control': 'private, no-store' } }
}

/** 405 with `Allow`. */
function methodNotAllowed (allow, instance) {
  return problem(405, `Allowed: ${allow}`, { instance, headers: { allow } })
}

/**
 * Creates the batch jobs: `POST /cf/batch` queues `{requests: [{path, method, headers?, queryParameters?,
 * body?}]}` and answers 202 with `Location` and `Retry-After: 1`; the job answers 202 to its first two
 * polls, runs the requests (with the submitter's token) at the third and answers 303 to its result from
 * then on.
 * @param {(request: object) => Promise<object>} run answers one inner request (see `innerRequest`)
 */
function createBatchJobs (run) {
  /** @type {Map<string, {id: string, polls: number, requests: object[], result?: object}>} */
  const jobs = new Map()

  /** Runs a job's requests, in order, into `{status, responses}`. */
  async function finish (job) {
    const responses = []
    for (const r of job.requests) {
      const answer = await run(r)
      const headers = Object.entries(answer.headers || {}).map(([name, value]) => ({ name, value: String(value) }))
      responses.push({ status: answer.status, headers, body: answer.json === undefined ? null : answer.json })
    }
    const failed = responses.some((r) => r.status >= 400)
    return { id: job.id, status: failed ? 'FINISHED_FAILURE' : 'FINISHED_SUCCESS', responses }
  }

  return {
    /** `POST /cf/batch`. */
    submit (request) {
      if (mediaType(request.headers['content-type']) !== 'application/json') {
        return problem(415, `POST takes application/json, not ${request.headers['content-type'] || 'a body without Content-Type'}`, { instance: request.instance })
      }
      const parsed = parseJson(request.body)
      if (parsed.error) return problem(400, parsed.error, { instance: request.instance })
      const requests = parsed.value && parsed.value.requests
      const valid = Array.isArray(requests) && requests.length > 0 &&
        requests.every((r) => r && typeof r.path === 'string' && typeof r.method === 'string')
      if (!valid) return problem(400, "'requests' must be a non-empty array of {path, method, headers?, queryParameters?, body?}", { instance: request.instance })
      const id = randomUUID()
      jobs.set(id, { id, polls: 0, requests: requests.map((r) => innerRequest(r, request)) })
      return jobAnswer(202, { id, status: 'QUEUED' }, request, `${BATCH}/${id}`, { 'retry-after': '1' })
    },
    /** `GET /cf/batch/{id}` and `GET /cf/batch/{id}/result`. */
    async poll (request, id, sub) {
      const job = jobs.get(id)
      if (!job || (sub !== undefined && (sub !== 'result' || !job.result))) return problem(404, `No batch request ${id}`, { instance: request.instance })
      if (sub === 'result') return ok(job.result)
      job.polls++
      if (job.polls <= RUNNING_POLLS) {
        return jobAnswer(202, { id, status: job.polls === 1 ? 'QUEUED' : 'RUNNING' }, request, `${BATCH}/${id}`, { 'retry-after': '1' })
      }
      if (!job.result) job.result = await finish(job)
      return jobAnswer(303, { id, status: job.result.status }, request, `${BATCH}/${id}/result`)
    }
  }
}

/** A 202/303 job answer: JSON body, absolute `Location`, and `Preference-Applied` when asked for. */
function jobAnswer (status, json, request, location, headers = {}) {
  const all = { ...headers, location: request.origin + location }
  if (/\brespond-async\b/i.test(request.headers.prefer || '')) all['preference-applied'] = 'respond-async'
  return ok(json, all, status)
}

/**
 * Turns a batch's inner request into a request for `route`: its path (relative to `/adobe/sites` unless
 * it starts with it), method, headers and query given as `[{name, value}]`, and body (JSON unless a
 * string; `application/json-patch+json` by default for PATCH, `application/json` otherwise).
 */
function innerRequest (r, outer) {
  const path = r.path.startsWith(BASE + '/') ? r.path : BASE + (r.path.startsWith('/') ? '' : '/') + r.path
  const headers = { authorization: outer.headers.authorization || '' }
  for (const { name, value } of Array.isArray(r.headers) ? r.headers : []) headers[String(name).toLowerCase()] = String(value)
  const method = r.method.toUpperCase()
  if (r.body !== undefined && !headers['content-type']) headers['content-type'] = method === 'PATCH' ? 'application/json-patch+json' : 'application/json'
  const query = new URLSearchParams()
  for (const { name, value } of Array.isArray(r.queryParameters) ? r.queryParameters : []) query.append(String(name), String(value))
  const body = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body)
  return { method, path, query, headers, body, instance: path, origin: outer.origin, inner: true }
}

/** Whether the request carries a valid Bearer token. */
function hasValidBearer (authorization, tokens) {
  const [scheme, value = ''] = String(authorization || '').trim().split(/\s+/, 2)
  return /^bearer$/i.test(scheme) && tokens.isValid(value)
}

/**
 * Routes a request under `/adobe/sites` once it is authorized.
 * @returns {Promise<{status: number, json?: unknown, headers?: object, contentType?: string}>}
 */
async function route (request, ctx) {
  const { method, path, query, instance } = request
  if (path === FRAGMENTS) {
    if (method !== 'GET') return methodNotAllowed('GET', instance)
    return page(fragmentsUnder(ctx.store.list, query.get('path')), query, instance)
  }
  if (path === PUBLISH && ctx.appFragments && !request.inner) {
    if (method !== 'POST') return methodNotAllowed('POST', instance)
    const published = ctx.appFragments.publish(request.body)
    return published.refused !== undefined ? problem(400, published.refused, { instance }) : ok(published.answer)
  }
  if (path.startsWith(FRAGMENTS + '/')) return routeFragment(request, path.slice(FRAGMENTS.length + 1), ctx)
  if (path === MODELS) return method === 'GET' ? page(MODEL_LIST, query, instance) : methodNotAllowed('GET', instance)
  if (path === BATCH && !request.inner) return method === 'POST' ? ctx.jobs.submit(request) : methodNotAllowed('POST', instance)
  if (path.startsWith(BATCH + '/') && !request.inner) {
    if (method !== 'GET') return methodNotAllowed('GET', instance)
    const [id, sub, extra] = path.slice(BATCH.length + 1).split('/')
    if (extra !== undefined) return problem(404, `Not found: ${instance}`, { instance })
    return ctx.jobs.poll(request, decode(id), sub)
  }
  return problem(404, `Not found: ${instance}`, { instance })
}

/**
 * Creates the Sites API handler. Fragments and batch jobs live in memory, one set per handler.
 * @param {object} ctx
 * @param {{isValid: (token: string) => boolean}} ctx.tokens the token store
 * @param {string} ctx.apiKey the `X-Api-Key` to require: the credentials' client id
 * @param {{url: string, secret: Buffer}} ctx.blobStore the second origin that `/asset` redirects to
 * @param {ReturnType<import('./faults').createFaultQueue>} ctx.faults the emulator's fault queue
 *   (`emu.fail`), met after the token and API key checks
 * @param {object} [ctx.appFragments] the fragments of the app's own models and their publish route
 *   (emulator/publishing.js)
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string) => Promise<boolean>}
 *   answers and resolves true for any path under `/adobe/sites`; resolves false for other paths
 */
function createSitesHandler (ctx) {
  const state = { store: createFragmentStore(ctx.appFragments || null), appFragments: ctx.appFragments || null, blobStore: ctx.blobStore }
  state.jobs = createBatchJobs((r) => route(r, state))
  return async function handleSites (req, res, body) {
    const { path, query } = splitUrl(req.url)
    if (path !== BASE && !path.startsWith(BASE + '/')) return false
    const headers = { 'x-request-id': randomUUID() }
    const request = {
      method: req.method,
      path,
      query: new URLSearchParams(query),
      headers: req.headers,
      body,
      instance: path,
      origin: `https://${req.headers.host}`
    }
    let answer
    if (!hasValidBearer(req.headers.authorization, ctx.tokens)) answer = problem(401, 'A valid IMS access token is required (Authorization: Bearer)', { instance: path })
    else if (!req.headers['x-api-key'] || !same(req.headers['x-api-key'], ctx.apiKey)) {
      answer = problem(403, req.headers['x-api-key'] ? 'Invalid X-Api-Key' : 'The X-Api-Key header is required', { instance: path })
    } else {
      const rule = ctx.faults.take(req.method, path)
      answer = rule
        ? faultAnswer(rule, problem(rule.status, `Injected fault: ${TITLES[rule.status] || rule.status}`, { instance: path }))
        : await route(request, state)
    }
    const all = { ...answer.headers, ...headers }
    if (answer.text !== undefined) send(res, answer.status, answer.contentType, answer.text, all)
    else if (answer.json === undefined) send(res, answer.status, null, null, all)
    else send(res, answer.status, answer.contentType, JSON.stringify(answer.json), all)
    return true
  }
}

module.exports = { createSitesHandler, SITES_BASE: BASE, SUNSET, uuidFor, etagOf }
