'use strict'

// createEventsHandler: AEM's events, as Adobe I/O Events delivers them to a webhook, invalidate
// the response caches of the app's clients (and, through their shared store, every process's).
// - The registration's challenge (`GET ?challenge=…`) is answered.
// - A delivery is taken only with a valid signature: one of `x-adobe-digital-signature-1/2`
//   (base64 RSA-SHA256 over the raw body) checked with the public key at
//   `x-adobe-public-key1/2-path`, fetched from Adobe's key host only and kept 24 hours at most.
// - Each event of it (one, or a batch) must name this integration (`recipientclientid`, or
//   `recipient_client_id` in older payloads) and come from an allowed `source`
//   (`acct:aem-p<program>-e<environment>@adobe.com`); a duplicate (`source` + `id`, through the
//   store's lease when there is one) is dropped.
// - Each content event becomes an invalidation (lib/event-invalidations.js), run after the
//   settle delay and again in a few settle rounds.
// Whatever it does with them, a signed delivery is answered 200 at once, so that I/O Events does
// not retry it; a refused one is logged without its body, signatures or keys.

const crypto = require('node:crypto')
const https = require('node:https')
const { invalidationsOf, settleOptions, createSettler } = require('./event-invalidations')
const { eventId, firstSeenFor } = require('./event-dedupe')
const { resolveLogger } = require('./logger')

/** Where Adobe I/O Events serves its public keys. */
const ADOBE_KEYS_ORIGIN = 'https://static.adobeioevents.com'
/** Keys are kept this long at most, as Adobe says. */
const KEY_LIFETIME_MS = 24 * 3600 * 1000
const KEY_FETCH_TIMEOUT_MS = 5000
const MAX_KEY_BYTES = 16 * 1024
/** The largest delivery read (a batch). */
const MAX_BODY_BYTES = 10 * 1024 * 1024
/** An AEM as a Cloud Service host: its program and environment. */
const AEM_HOST = /^(?:author|publish|preview)-p(\d+)-e(\d+)\.adobeaemcloud\.(?:com|net)$/
/** A key path as I/O Events sends it (`/prod/keys/pub-key-voy5XEbWmT.pem`): nothing else is fetched. */
const KEY_PATH = /^\/(?:prod|stage)\/keys\/pub-key-[A-Za-z0-9_-]{1,64}\.pem$/
/** The most keys kept, key fetches in flight, and how long a key that could not be had is not asked for again. */
const MAX_KEYS = 16
const MAX_KEY_FETCHES = 4
const KEY_FAILURE_MS = 60 * 1000
/** An event older than this is a replay: the duplicate window is no longer behind it. */
const MAX_EVENT_AGE_MS = 24 * 3600 * 1000

/**
 * @param {{clients: Array<{serviceURL: string, cache: {invalidate(options: object): Promise<unknown>}}>,
 *   clientId: string, sources?: string[], store?: {lease?(key: string, ttlMs: number): Promise<unknown>},
 *   settleMs?: number, settleRetries?: number, logger?: unknown, publicKeyOrigin?: string, ca?: string | Buffer}} options
 */
function createEventsHandler (options) {
  if (options === null || typeof options !== 'object') throw new TypeError('createEventsHandler takes an object: {clients, clientId, …}')
  const { clients, clientId, store, publicKeyOrigin = ADOBE_KEYS_ORIGIN, ca } = options
  if (!Array.isArray(clients) || clients.length === 0 || !clients.every((client) => client && client.cache && typeof client.cache.invalidate === 'function')) {
    throw new TypeError('createEventsHandler: clients must be a non-empty array of AEMHeadless clients')
  }
  if (typeof clientId !== 'string' || clientId === '') throw new TypeError("createEventsHandler: clientId must be the integration's client id (the events' recipient)")
  const sources = options.sources === undefined ? sourcesOf(clients) : options.sources
  if (!Array.isArray(sources) || sources.length === 0 || !sources.every((source) => typeof source === 'string' && source !== '')) {
    throw new TypeError("createEventsHandler: sources must list the events' sources (acct:aem-p<program>-e<environment>@adobe.com); they are found in the clients' AEM as a Cloud Service URLs, which these are not")
  }
  const settle = settleOptions(options, 'createEventsHandler')
  const keysOrigin = new URL(publicKeyOrigin)
  if (keysOrigin.protocol !== 'https:' || keysOrigin.origin !== publicKeyOrigin.replace(/\/$/, '')) {
    throw new TypeError('createEventsHandler: publicKeyOrigin must be an https origin (no path)')
  }
  if (store !== undefined && (store === null || typeof store.lease !== 'function')) {
    throw new TypeError('createEventsHandler: store must have lease(key, ttlMs) (the store the cache takes: createRedisStore), which drops duplicates across processes')
  }
  const log = resolveLogger(options.logger)
  const keys = publicKeys(keysOrigin.origin, ca)
  const firstSeen = firstSeenFor(store)
  const allowed = new Set(sources)
  const settler = createSettler(invalidate, settle)

  /**
   * One request: `{method, url, headers, body}` (`headers` with lower-case names, `body` the raw
   * bytes) to `{status, headers, body}`.
   */
  async function handle ({ method, url, headers, body }) {
    let query
    try {
      query = new URL(url, 'http://localhost').searchParams
    } catch {
      return answer(400, { error: 'not a URL' })
    }
    if (method === 'GET' || method === 'HEAD') {
      const challenge = query.get('challenge')
      if (challenge === null) return answer(404, { error: 'no challenge' })
      return answer(200, { challenge })
    }
    if (method !== 'POST') return answer(405, { error: 'POST events, or GET a challenge' })
    if (!signed(headers) || !(await keys.verify(body, headers))) {
      emit('warn', { event: 'events-refused', reason: 'signature', message: 'no valid Adobe I/O Events signature: nothing invalidated' })
      return answer(401, { error: 'invalid signature' })
    }
    let parsed
    try {
      parsed = JSON.parse(body.toString('utf8'))
    } catch {
      emit('warn', { event: 'events-refused', reason: 'json', message: 'a signed delivery that is not JSON: nothing invalidated' })
      return answer(400, { error: 'not JSON' })
    }
    const events = Array.isArray(parsed) ? parsed : Array.isArray(parsed && parsed.events) ? parsed.events : [parsed]
    const taken = []
    for (const event of events) {
      if (event === null || typeof event !== 'object') continue
      const id = eventId(event)
      const facts = { eventId: id, type: typeof event.type === 'string' ? event.type : undefined }
      const recipient = event.recipientclientid ?? event.recipient_client_id
      if (recipient !== clientId) {
        emit('warn', { event: 'events-refused', reason: 'recipient', ...facts, message: 'an event for another integration: nothing invalidated' })
        continue
      }
      if (!allowed.has(event.source)) {
        emit('warn', { event: 'events-refused', reason: 'source', ...facts, source: String(event.source), message: 'an event from a source not allowed: nothing invalidated' })
        continue
      }
      // An event without a `time` (optional in CloudEvents) cannot be judged by it, and is taken.
      if (Date.now() - Date.parse(event.time) > MAX_EVENT_AGE_MS) {
        emit('warn', { event: 'events-refused', reason: 'age', ...facts, message: 'an event older than a day, past the window in which duplicates are dropped: nothing invalidated' })
        continue
      }
      if (id === undefined || !(await firstSeen(event))) {
        emit('debug', { event: 'events-duplicate', ...facts })
        continue
      }
      taken.push(event)
    }
    const first = settler.settle(invalidationsOf(taken))
    // Without a settle delay the answer waits for the first round (the settle rounds run on).
    if (settle.settleMs === 0) await first
    else first.catch(() => {})
    return answer(200, { received: events.length, taken: taken.length })
  }

  /** Runs one invalidation on every client (never rejects). */
  async function invalidate (invalidation, settling) {
    const results = await Promise.allSettled(clients.map((client) => Promise.resolve().then(() => client.cache.invalidate(invalidation))))
    const invalidated = results.reduce((sum, result) => sum + (result.status === 'fulfilled' ? Number(result.value && result.value.invalidated) || 0 : 0), 0)
    emit(settling ? 'debug' : 'info', { event: 'events-invalidated', mode: invalidation.mode, paths: invalidation.paths, models: invalidation.models, settling, invalidated })
  }

  function emit (level, event) {
    if (log !== null) log(level, event)
  }

  return {
    handle,
    /** Runs the first invalidations still in their settle delay at once, and drops the settle rounds to come. */
    close: () => settler.close(),
    /** For `node:http` and Express (`express.raw({ type: '*\/*', limit: '10mb' })` before it, or no body parser). */
    async node (req, res) {
      let result
      // A body left unread (unsigned, too large) ends the connection: it cannot carry another request.
      let unread = req.method === 'POST' && !signed(req.headers)
      try {
        const body = unread ? Buffer.alloc(0) : await rawBodyOf(req)
        unread = body === undefined
        result = body === null
          ? answer(500, { error: 'the raw body is needed to check its signature: give this route express.raw({ type: "*/*" }), or no body parser' })
          : body === undefined ? answer(413, { error: 'too large' }) : await handle({ method: req.method, url: req.url, headers: req.headers, body })
      } catch {
        result = answer(400, { error: 'the request could not be read' })
        unread = true
      }
      if (res.headersSent || res.destroyed) return
      res.writeHead(result.status, unread ? { ...result.headers, connection: 'close' } : result.headers)
      res.end(result.body)
    },
    /** For Fastify, with the body as a Buffer (`addContentTypeParser(…, { parseAs: 'buffer' }, …)`). */
    async fastify (request, reply) {
      let result
      try {
        const body = Buffer.isBuffer(request.body) ? request.body : request.body === undefined ? Buffer.alloc(0) : null
        result = body === null
          ? answer(500, { error: 'the raw body is needed to check its signature: parse this route\'s body as a Buffer' })
          : await handle({ method: request.method, url: request.url, headers: request.headers, body })
      } catch {
        result = answer(400, { error: 'the request could not be read' })
      }
      return reply.code(result.status).headers(result.headers).send(result.body)
    },
    /** For a fetch `Request` (Next.js route handlers, Hono, Deno, Bun): resolves with a `Response`. */
    async fetch (request) {
      let result
      try {
        const headers = Object.fromEntries([...request.headers].map(([name, value]) => [name.toLowerCase(), value]))
        const body = request.method === 'POST' && !signed(headers) ? Buffer.alloc(0) : await bytesOf(request.body)
        result = body === undefined
          ? answer(413, { error: 'too large' })
          : await handle({ method: request.method, url: request.url, headers, body })
      } catch {
        result = answer(400, { error: 'the request could not be read' })
      }
      return new Response(result.body, { status: result.status, headers: result.headers })
    }
  }
}

/** Whether a delivery carries a signature with a key path that may be fetched: else its body is not even read. */
function signed (headers) {
  return [1, 2].some((n) => typeof headers[`x-adobe-digital-signature-${n}`] === 'string' && KEY_PATH.test(String(headers[`x-adobe-public-key${n}-path`])))
}

/** The bytes of a fetch body stream, read up to MAX_BODY_BYTES (undefined past it). */
async function bytesOf (stream) {
  if (stream === null) return Buffer.alloc(0)
  const chunks = []
  let length = 0
  for await (const chunk of stream) {
    length += chunk.length
    if (length > MAX_BODY_BYTES) {
      await stream.cancel().catch(() => {})
      return undefined
    }
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

function answer (status, value) {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) }
}

/** The events' sources of the clients' AEM as a Cloud Service hosts: `acct:aem-p1-e2@adobe.com`. */
function sourcesOf (clients) {
  const sources = new Set()
  for (const client of clients) {
    const match = AEM_HOST.exec(new URL(client.serviceURL).hostname)
    if (match) sources.add(`acct:aem-p${match[1]}-e${match[2]}@adobe.com`)
  }
  return [...sources]
}

/**
 * The body of `req`, read up to MAX_BODY_BYTES (undefined past it); a body parser's Buffer or
 * `rawBody` as it left it; null when a parser took it and kept no bytes.
 */
async function rawBodyOf (req) {
  if (Buffer.isBuffer(req.body)) return req.body
  if (Buffer.isBuffer(req.rawBody)) return req.rawBody
  if (req.body !== undefined || req.readableEnded) return null
  const chunks = []
  let length = 0
  for await (const chunk of req) {
    length += chunk.length
    if (length > MAX_BODY_BYTES) return undefined
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/**
 * Adobe's public keys, fetched from `origin` only: the last MAX_KEYS, each kept KEY_LIFETIME_MS
 * at most; a key that could not be had is not asked for again for KEY_FAILURE_MS, and at most
 * MAX_KEY_FETCHES are fetched at once (an unsigned flood costs no more).
 */
function publicKeys (origin, ca) {
  const kept = new Map()
  let fetching = 0
  function key (path) {
    const found = kept.get(path)
    if (found !== undefined && found.until > Date.now()) return found.key
    kept.delete(path)
    if (fetching >= MAX_KEY_FETCHES) return Promise.reject(new Error('public key: too many fetches at once'))
    fetching += 1
    const fetched = fetchKey(new URL(path, origin), ca).then((pem) => crypto.createPublicKey(pem))
    const entry = { key: fetched, until: Date.now() + KEY_LIFETIME_MS }
    if (kept.size >= MAX_KEYS) kept.delete(kept.keys().next().value)
    kept.set(path, entry)
    fetched.then(() => { fetching -= 1 }, () => {
      fetching -= 1
      entry.until = Date.now() + KEY_FAILURE_MS
    })
    return fetched
  }
  return {
    /** Whether one of the delivery's two signatures is valid for its body. */
    async verify (body, headers) {
      for (const n of [1, 2]) {
        const signature = headers[`x-adobe-digital-signature-${n}`]
        const path = headers[`x-adobe-public-key${n}-path`]
        if (typeof signature !== 'string' || typeof path !== 'string' || !KEY_PATH.test(path)) continue
        try {
          if (crypto.verify('sha256', body, await key(path), Buffer.from(signature, 'base64'))) return true
        } catch {}
      }
      return false
    }
  }
}

/** The PEM at `url` (https only, no redirect, bounded in time and size). */
function fetchKey (url, ca) {
  return new Promise((resolve, reject) => {
    const request = https.get(url, { ca, timeout: KEY_FETCH_TIMEOUT_MS }, (response) => {
      if (response.statusCode !== 200) {
        response.resume()
        return reject(new Error(`public key: status ${response.statusCode}`))
      }
      let text = ''
      response.setEncoding('utf8')
      response.on('data', (chunk) => {
        text += chunk
        if (text.length > MAX_KEY_BYTES) request.destroy(new Error('public key: too large'))
      })
      response.on('end', () => resolve(text))
      response.on('error', reject)
    })
    request.on('timeout', () => request.destroy(new Error('public key: timeout')))
    request.on('error', reject)
  })
}

module.exports = { createEventsHandler, ADOBE_KEYS_ORIGIN }
