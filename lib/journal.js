'use strict'

// The Journaling API of Adobe I/O Events: a registration's events, pulled.
// - `readJournal` is an async iterator of `{position, event}` that follows the `next` link (on
//   the journal's own origin only); at the end (204, or a page with nothing new) it waits as
//   `retry-after` says, or stops (`wait: false`). A position past the journal's retention
//   (7 days) answers 410 Gone: API_ERROR with `sdkDetails.status` 410.
// - `followJournal` runs it in one process at a time of those that share a store (elected by
//   the store's lease, taken again every round so that another process takes over from one that
//   died), keeps the position in the store (each event's, and the end's: a restart resumes there
//   and misses nothing), acts on each event once (lib/event-dedupe.js), and on a 410 marks
//   everything stale, softly, and starts again from the latest position. Every store call is
//   bounded in time; a store that fails is asked again later, never taken for "start at the end".

const crypto = require('node:crypto')
const { setTimeout: sleep } = require('node:timers/promises')
const { pauseOf } = require('./api-request')
const { invalidationsOf, createSettler } = require('./event-invalidations')
const { firstSeenFor } = require('./event-dedupe')
const { within } = require('./abort')

/** A round of `followJournal` holds the lease this long, and reads for two thirds of it. */
const LEASE_MS = 30000
/** The position is kept this long: the journal's own retention, and a day. */
const POSITION_TTL_MS = 8 * 24 * 3600 * 1000
/** The longest a store call may take, and the pause after a round that ended early. */
const STORE_CALL_MS = 1000
const PAUSE_MS = 1000

/**
 * @param {(url: string, options: object) => Promise<{status: number, headers: Headers, body: any}>} request
 *   a GET with the journal's credentials (`request(url, { full: true, signal })` of a client for the journal's origin)
 * @param {{url: string, since?: string, latest?: boolean, limit?: number, wait?: boolean, signal?: AbortSignal,
 *   onNext?: (next: string) => unknown}} options `onNext` hears each page's next URL
 * @returns {AsyncGenerator<{position: string, event: object}>}
 */
async function * readJournal (request, { url, since, latest, limit, wait = true, signal, onNext }) {
  const origin = new URL(url).origin
  let next = startOf(url, { since, latest, limit })
  for (;;) {
    const { status, headers, body } = await request(next, { full: true, signal })
    const items = status === 200 && body !== null && typeof body === 'object' && Array.isArray(body.events) ? body.events : []
    const events = items.filter((item) => item !== null && typeof item === 'object' && typeof item.position === 'string')
    for (const item of events) yield { position: item.position, event: item.event }
    const linked = linksOf(headers.get('link'), next).next
    const after = linked !== undefined && new URL(linked).origin === origin
      ? linked
      : events.length > 0 ? startOf(url, { since: events[events.length - 1].position, limit }) : next
    if (onNext !== undefined) await onNext(after)
    // Nothing new (the end, or a page of nothing usable): wait before asking again.
    if (events.length === 0 || after === next) {
      if (!wait) return
      await sleep(pauseOf(headers.get('retry-after')), undefined, { signal })
    }
    next = after
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
 *   log: ((level: string, event: object) => void) | null, signal: AbortSignal, leaseMs?: number,
 *   settle?: {settleMs: number, settleRetries: number}}} follower
 */
async function followJournal ({ read, invalidate, store, url, log, signal, leaseMs = LEASE_MS, settle = { settleMs: 0, settleRetries: 0 } }) {
  const { leaseKey, positionKey } = keysOf(url)
  const firstSeen = firstSeenFor(store)
  const emit = (level, event) => { if (log !== null) log(level, event) }
  const invalidateLogged = (invalidation) => invalidate(invalidation).catch((error) => {
    emit('warn', { event: 'journal-invalidate-failed', code: error && error.code, message: 'an invalidation of a journal event failed' })
  })
  const settler = createSettler(invalidateLogged, settle)
  signal.addEventListener('abort', () => settler.close(), { once: true })
  const pause = (ms) => sleep(ms, undefined, { signal }).catch(() => {})
  const keep = (position) => within(store.set(positionKey, position, POSITION_TTL_MS), STORE_CALL_MS).catch(() => {})
  while (!signal.aborted) {
    let release = null
    try {
      release = await within(store.lease(leaseKey, leaseMs), STORE_CALL_MS)
    } catch {}
    if (typeof release !== 'function') {
      // Another process follows it (or the store is down): look again in a while.
      await pause(leaseMs / 3)
      continue
    }
    // The round ends with the follower, or two thirds into the lease.
    const ending = new AbortController()
    const end = () => ending.abort()
    const timer = setTimeout(end, Math.round(leaseMs * 2 / 3))
    signal.addEventListener('abort', end, { once: true })
    const round = ending.signal
    try {
      const position = await within(store.get(positionKey), STORE_CALL_MS)
      const start = typeof position === 'string' && position !== '' ? { since: position } : { latest: true }
      let kept = start.since
      const onNext = async (next) => {
        const since = new URL(next).searchParams.get('since')
        if (since !== null && since !== kept) {
          kept = since
          await keep(since)
        }
      }
      for await (const { position: at, event } of read({ ...start, wait: true, signal: round, onNext })) {
        if (event !== null && typeof event === 'object' && await firstSeen(event)) {
          // Without a settle delay the first round is waited for before the position moves on;
          // with one, it runs on (stop() runs it at once), as the settle rounds do
          // (lib/event-invalidations.js).
          const first = settler.settle(invalidationsOf([event]))
          if (settle.settleMs === 0) await first
          else first.catch(() => {})
        }
        kept = at
        await keep(at)
      }
    } catch (error) {
      if (error && error.sdkDetails && error.sdkDetails.status === 410) {
        emit('warn', { event: 'journal-gone', message: 'the journal position is past its retention: every answer marked stale, reading on from the latest position' })
        await invalidate({ all: true, mode: 'soft' }).catch(() => {})
        await keep('')
      } else if (!round.aborted) {
        emit('warn', { event: 'journal-failed', code: error && error.code, status: error && error.sdkDetails ? error.sdkDetails.status : undefined, message: 'reading the journal failed: trying again' })
      }
    } finally {
      clearTimeout(timer)
      signal.removeEventListener('abort', end)
      await within(Promise.resolve().then(release), STORE_CALL_MS).catch(() => {})
    }
    // A round that ended before its time (a failure, a 410) waits a little before the next.
    if (!round.aborted || signal.aborted) await pause(PAUSE_MS)
  }
}

/** The store keys of the journal at `url`: its follower's lease and its position. */
function keysOf (url) {
  const name = crypto.createHash('sha256').update(new URL(url).href).digest('hex').slice(0, 32)
  return { leaseKey: `journal:${name}:lease`, positionKey: `journal:${name}:position` }
}

module.exports = { readJournal, followJournal, linksOf, keysOf }
