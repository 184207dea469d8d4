'use strict'

// Invalidations heard by every process that shares a cache store. `aem.cache.invalidate` here
// announces its selector; every other client of the store applies it as its own invalidation
// (its local cache, and the store's copies of the answers it reached, which a process that never
// held them would otherwise take as fresh):
// - at once through the store's publish/subscribe, when it has both (`createRedisStore` with a
//   `subscriber` connection: Redis pub/sub);
// - else within `pollMs`, from a log of the recent invalidations the store keeps under one key
//   (the generation key), which every process polls. A process that fell behind the log (it
//   keeps the last LOG_LENGTH) marks everything stale, softly.
// A store that is down costs nothing but freshness: each process still invalidates itself, the
// others keep serving their copies until their own lifetimes end, and both are said in the logs.

const { randomUUID } = require('node:crypto')
const { setInterval, clearInterval, setTimeout, clearTimeout } = require('node:timers')
const { checkInvalidation } = require('./options')

/** The pub/sub channel and the store key of the log. */
const CHANNEL = 'invalidations'
const LOG_KEY = 'invalidations'
/** How many invalidations the log keeps, and for how long (a process that polls no more forgets it). */
const LOG_LENGTH = 64
const LOG_TTL_MS = 7 * 24 * 3600 * 1000
/** How often the log is polled by default, and the bound on each store call. */
const DEFAULT_POLL_MS = 1000
const STORE_CALL_MS = 2000

/** One channel per store object in this process, shared by the clients that use that store. */
const channels = new WeakMap()

/**
 * Registers a client with the channel of `store`, and returns `announce(selector, hard)`, which
 * tells the other processes what this client just invalidated here.
 * @param {object} store the cache's store (get, set, and maybe lease, publish, subscribe)
 * @param {{serviceURL: string, apply(selector: object, hard: boolean): Promise<unknown>,
 *   log: ((level: string, event: object) => void) | null, pollMs?: number}} member
 * @returns {(selector: object, hard: boolean) => Promise<void>}
 */
function joinInvalidations (store, member) {
  let channel = channels.get(store)
  if (channel === undefined) {
    channel = new Channel(store, member.pollMs ?? DEFAULT_POLL_MS)
    channels.set(store, channel)
  }
  channel.members.add(new WeakRef(member))
  channel.start(member)
  return (selector, hard) => channel.announce(member, selector, hard)
}

class Channel {
  constructor (store, pollMs) {
    this.store = store
    this.pollMs = pollMs
    /** This process's name in the messages, so that it skips its own. */
    this.id = randomUUID()
    this.members = new Set()
    /** The ids of the invalidations applied lately, and the newest log position seen. */
    this.applied = new Set()
    this.seen = undefined
    this.timer = null
    this.unsubscribe = null
    /** Whether the last store call failed (said once per outage). */
    this.down = false
  }

  start (member) {
    if (this.timer !== null) return
    this.timer = setInterval(() => this.poll(), this.pollMs)
    this.timer.unref()
    this.poll()
    if (typeof this.store.subscribe === 'function' && typeof this.store.publish === 'function') {
      bounded(this.store.subscribe(CHANNEL, (text) => this.hear(text))).then(
        (unsubscribe) => { this.unsubscribe = typeof unsubscribe === 'function' ? unsubscribe : null },
        (error) => this.failed(member, 'subscribe', error))
    }
  }

  /** The live members; with none left, the channel stops. */
  live () {
    const live = []
    for (const ref of this.members) {
      const member = ref.deref()
      if (member === undefined) this.members.delete(ref)
      else live.push(member)
    }
    if (live.length === 0) this.stop()
    return live
  }

  stop () {
    clearInterval(this.timer)
    this.timer = null
    if (this.unsubscribe !== null) Promise.resolve().then(this.unsubscribe).catch(() => {})
    this.unsubscribe = null
    channels.delete(this.store)
  }

  /** Appends the invalidation to the store's log (under the store's lease, when it has one) and publishes it. */
  async announce (from, selector, hard) {
    const entry = { id: randomUUID(), from: this.id, serviceURL: from.serviceURL, selector, hard }
    this.remember(entry.id)
    // This process's other clients of the same store and service hear it at once.
    await Promise.all(this.live()
      .filter((member) => member !== from && member.serviceURL === from.serviceURL)
      .map((member) => member.apply(selector, hard)))
    try {
      const release = typeof this.store.lease === 'function' ? await bounded(this.store.lease(`${LOG_KEY}:lock`, STORE_CALL_MS)) : null
      try {
        const log = parseLog(await bounded(this.store.get(LOG_KEY)))
        entry.seq = log.seq + 1
        const recent = [...log.recent, entry].slice(-LOG_LENGTH)
        await bounded(this.store.set(LOG_KEY, JSON.stringify({ seq: entry.seq, recent }), LOG_TTL_MS))
      } finally {
        if (typeof release === 'function') await bounded(release()).catch(() => {})
      }
      if (typeof this.store.publish === 'function') await bounded(this.store.publish(CHANNEL, JSON.stringify(entry)))
      this.recovered(from)
    } catch (error) {
      this.failed(from, 'announce', error)
    }
  }

  /** A message of the channel. */
  hear (text) {
    let entry
    try {
      entry = JSON.parse(text)
    } catch {
      return
    }
    this.apply(entry)
  }

  /** Reads the log and applies what this process has not heard yet; a gap marks everything stale. */
  async poll () {
    const members = this.live()
    if (members.length === 0) return
    let log
    try {
      log = parseLog(await bounded(this.store.get(LOG_KEY)))
      this.recovered(members[0])
    } catch (error) {
      return this.failed(members[0], 'poll', error)
    }
    const seen = this.seen
    this.seen = Math.max(seen ?? 0, log.seq)
    if (seen === undefined || log.seq <= seen) return
    const oldest = log.recent.length > 0 ? log.recent[0].seq : log.seq + 1
    if (oldest > seen + 1) {
      for (const member of members) member.apply({ all: true }, false).catch(() => {})
    }
    for (const entry of log.recent) if (entry.seq > seen) this.apply(entry)
  }

  /** Applies one invalidation of another process to the members for its service URL, once. */
  apply (entry) {
    if (entry === null || typeof entry !== 'object' || entry.from === this.id || typeof entry.id !== 'string' || this.applied.has(entry.id)) return
    let checked
    try {
      checked = checkInvalidation({ ...entry.selector, mode: entry.hard ? 'hard' : 'soft' })
    } catch {
      return
    }
    this.remember(entry.id)
    if (Number.isSafeInteger(entry.seq)) this.seen = Math.max(this.seen ?? 0, entry.seq)
    for (const member of this.live()) {
      if (member.serviceURL === entry.serviceURL) member.apply(checked.selector, checked.hard).catch(() => {})
    }
  }

  remember (id) {
    this.applied.add(id)
    if (this.applied.size > 4 * LOG_LENGTH) this.applied.delete(this.applied.values().next().value)
  }

  failed (member, operation, error) {
    if (this.down) return
    this.down = true
    if (member.log) {
      member.log('warn', {
        event: 'invalidations-unshared',
        operation,
        error: error && error.name === 'TimeoutError' ? 'timeout' : 'store-error',
        message: 'the cache store cannot carry invalidations: this process invalidates its own cache, the others keep their copies until their lifetimes end'
      })
    }
  }

  recovered (member) {
    if (!this.down) return
    this.down = false
    if (member.log) member.log('info', { event: 'invalidations-shared', message: 'the cache store carries invalidations again' })
  }
}

/** The log as the store holds it: `{seq, recent}`; an absent or unreadable one is empty. */
function parseLog (text) {
  try {
    const log = JSON.parse(text)
    if (Number.isSafeInteger(log.seq) && Array.isArray(log.recent)) {
      return { seq: log.seq, recent: log.recent.filter((entry) => entry && Number.isSafeInteger(entry.seq)) }
    }
  } catch {}
  return { seq: 0, recent: [] }
}

/** `promise`, rejected with a TimeoutError after STORE_CALL_MS. */
function bounded (promise) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('store call timed out'), { name: 'TimeoutError' })), STORE_CALL_MS)
    timer.unref()
  })
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer))
}

module.exports = { joinInvalidations, DEFAULT_POLL_MS }
