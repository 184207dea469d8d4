'use strict'

// An AEM event is acted on once: I/O Events delivers at least once (a webhook's retries for 24
// hours, the journal read again after a restart), and an event is known by its `source` and `id`.
// Across the processes that share a store, its `lease` (set-if-absent, as `SET NX`) decides; a
// store that fails lets the event through (invalidating twice costs a revalidation).

const crypto = require('node:crypto')
const { setTimeout, clearTimeout } = require('node:timers')

/** How long an event is remembered: I/O Events retries for 24 hours. */
const DUPLICATE_WINDOW_MS = 25 * 3600 * 1000
const MAX_REMEMBERED = 100000
/** How long the store may take to say whether another process saw it; a slower one lets it through. */
const STORE_WAIT_MS = 500

/** An event's id: CloudEvents' `id`, or `event_id` / `eventid`; undefined without one. */
function eventId (event) {
  const id = event.id ?? event.event_id ?? event.eventid
  return typeof id === 'string' && id !== '' ? id : undefined
}

/**
 * `firstSeen(event)`: whether `event` (which has an id) is seen for the first time, by this
 * process, and with `store` by any process that shares it.
 * @param {{lease(key: string, ttlMs: number): Promise<unknown>} | undefined} store
 * @returns {(event: object) => Promise<boolean>}
 */
function firstSeenFor (store) {
  const here = rememberedHere()
  return async (event) => {
    const key = `${event.source} ${eventId(event)}`
    if (!here(key)) return false
    if (store === undefined) return true
    let timer
    const slow = new Promise((resolve) => { timer = setTimeout(resolve, STORE_WAIT_MS, 'slow').unref() })
    try {
      const taken = await Promise.race([store.lease(`event:${crypto.createHash('sha256').update(key).digest('hex')}`, DUPLICATE_WINDOW_MS), slow])
      return taken !== null
    } catch {
      return true
    } finally {
      clearTimeout(timer)
    }
  }
}

/** Whether a key is seen for the first time by this process (the last MAX_REMEMBERED keys). */
function rememberedHere () {
  const seen = new Map()
  return (key) => {
    const now = Date.now()
    if ((seen.get(key) ?? 0) > now) return false
    seen.delete(key)
    if (seen.size >= MAX_REMEMBERED) seen.delete(seen.keys().next().value)
    seen.set(key, now + DUPLICATE_WINDOW_MS)
    return true
  }
}

module.exports = { eventId, firstSeenFor }
