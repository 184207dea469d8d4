'use strict'

// The Journaling API of Adobe I/O Events: a registration's events, pulled.
// - `readJournal` is an async iterator of `{position, event}` that follows the `next` link; at
//   the end (204) it waits as `retry-after` says, or stops (`wait: false`). A position past the
//   journal's retention (7 days) answers 410 Gone: API_ERROR with `sdkDetails.status` 410.
// - `followJournal` runs it in one process at a time of those that share a store (elected by
//   the store's lease, taken again every round so that another process takes over from one that
//   died), keeps the position in the store (a restart resumes there), acts on each event once
//   (lib/event-dedupe.js), and on a 410 marks everything stale, softly, and starts again from
//   the latest position.

const { setTimeout: sleep } = require('node:timers/promises')
const crypto = require('node:crypto')
const { pauseOf } = require('./api-request')
const { invalidationsOf } = require('./event-invalidations')
const { firstSeenFor } = require('./event-dedupe')

/** A round of `followJournal` holds the lease this long, and reads for two thirds of it. */
const LEASE_MS = 30000
/** The position is kept this long: the journal's own retention, and a day. */
const POSITION_TTL_MS = 8 * 24 * 3600 * 1000

/**
 * @param {(url: string, options: object) => Promise<{status: number, headers: Headers, body: any}>} request
 *   a GET with the journal's credentials (`request(url, { full: true, signal })` of a client for the journal's origin)
 * @param {{url: string, since?: string, latest?: boolean, limit?: number, wait?: boolean, signal?: AbortSignal}} options
 * @returns {AsyncGenerator<{position: string, event: object}>}
 */
async function * readJournal (request, { url, since, latest, limit, wait = true, signal }) {
  let next = startOf(url, { since, latest, limit })
  for (;;) {
    const { status, headers, body } = await request(next, { full: true, signal })
    const links = linksOf(headers.get('link'), next)
    const events = status === 200 && body !== null && Array.isArray(body.events) ? body.events : []
    for (const item of events) {
      if (item !== null && typeof item === 'object' && typeof item.position === 'string') yield { position: item.position, event: item.event }
    }
    const last = events.length > 0 ? events[events.length - 1].position : undefined
    next = links.next ?? (last === undefined ? next : startOf(url, { since: last, limit }))
    if (events.length === 0) {
      if (!wait) return
      await sleep(pauseOf(headers.get('retry-after')), undefined, { signal })
    }
  }
}

/** The journal's URL with `since`, `latest` and `limit` set. */
function startOf (url, { since, latest, limit }) {
  const start = new URL(url)
  if (since !== undefined) start.searchParams.set('since', since)
  else if (latest) start.searchParams.set('latest', 'true')
  if (limit !== undefined) start.searchParams.set('limit', String(limit))
  return start.href
}

/** The relations of a `Link` header (RFC 8288), each URL resolved against `base`. */
function linksOf (header, base) {
  const links = {}
  for (const [, target, params] of String(header || '').matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel="?([^";,]+)"?/i.exec(params)
    if (rel === null) continue
    try {
      for (const name of rel[1].trim().split(/\s+/)) links[name.toLowerCase()] ??= new URL(target, base).href
    } catch {}
  }
  return links
}

/**
 * Follows the journal at `url` until `signal` aborts; resolves then.
 * @param {{read: (options: object) => AsyncGenerator<{position: string, event: object}>,
 *   invalidate: (invalidation: object) => Promise<unknown>, store: object, url: string,
 *   log: ((level: string, event: object) => void) | null, signal: AbortSignal, leaseMs?: number}} follower
 */
async function followJournal ({ read, invalidate, store, url, log, signal, leaseMs = LEASE_MS }) {
  const { leaseKey, positionKey } = keysOf(url)
  const firstSeen = firstSeenFor(store)
  const emit = (level, event) => { if (log !== null) log(level, event) }
  while (!signal.aborted) {
    let release = null
    try {
      release = await store.lease(leaseKey, leaseMs)
    } catch {}
    if (typeof release !== 'function') {
      // Another process follows it (or the store is down): look again in a while.
      await sleep(leaseMs / 3, undefined, { signal }).catch(() => {})
      continue
    }
    // The round ends with the follower, or two thirds into the lease (AbortSignal.any is Node 20.3's).
    const ending = new AbortController()
    const end = () => ending.abort()
    const timer = setTimeout(end, Math.round(leaseMs * 2 / 3))
    signal.addEventListener('abort', end, { once: true })
    const round = ending.signal
    try {
      const position = await store.get(positionKey).catch(() => null)
      const start = typeof position === 'string' && position !== '' ? { since: position } : { latest: true }
      for await (const { position: at, event } of read({ ...start, signal: round })) {
        if (event !== null && typeof event === 'object' && await firstSeen(event)) {
          for (const invalidation of invalidationsOf([event])) await invalidate(invalidation)
        }
        await store.set(positionKey, at, POSITION_TTL_MS).catch(() => {})
      }
    } catch (error) {
      if (error && error.sdkDetails && error.sdkDetails.status === 410) {
        emit('warn', { event: 'journal-gone', message: 'the journal position is past its retention: every answer marked stale, reading on from the latest position' })
        await invalidate({ all: true, mode: 'soft' }).catch(() => {})
        await store.set(positionKey, '', POSITION_TTL_MS).catch(() => {})
      } else if (!round.aborted) {
        emit('warn', { event: 'journal-failed', code: error && error.code, status: error && error.sdkDetails ? error.sdkDetails.status : undefined, message: 'reading the journal failed: trying again' })
        await sleep(1000, undefined, { signal }).catch(() => {})
      }
    } finally {
      clearTimeout(timer)
      signal.removeEventListener('abort', end)
      await Promise.resolve().then(release).catch(() => {})
    }
  }
}

/** The store keys of the journal at `url`: its follower's lease and its position. */
function keysOf (url) {
  const name = crypto.createHash('sha256').update(url).digest('hex').slice(0, 32)
  return { leaseKey: `journal:${name}:lease`, positionKey: `journal:${name}:position` }
}

module.exports = { readJournal, followJournal, linksOf, keysOf }
