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
const { setInterval, clearInterval } = require('node:timers')
const { setTimeout: sleep } = require('node:timers/promises')
const { checkInvalidation } = require('./options')
const { within } = require('./abort')

/** The pub/sub channel and the store key of the log. */
const CHANNEL = 'invalidations'
const LOG_KEY = 'invalidations'
/** How many invalidations the log keeps, and for how long (a process that polls no more forgets it). */
const LOG_LENGTH = 64
const LOG_TTL_MS = 7 * 24 * 3600 * 1000
/** How often the log is polled by default, and the bound on each store call. */
const DEFAULT_POLL_MS = 1000
const STORE_CALL_MS = 500

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
  channel.start()
  return (selector, hard) => channel.announce(member, selector, hard)
}

class Channel {
  constructor (store, pollMs) {
    this.store = store
    this.pollMs = pollMs
    /** This process's name in the messages, so that it skips its own. */
    this.id = randomUUID()
    this.members = new Set()
    /** The ids of the invalidations applied lately (a message heard and then polled is applied once). */
    this.applied = new Set()
    /** The log's epoch and position as last polled (only a poll moves them). */
    this.seen = undefined
    this.timer = null
    this.subscription = null
    /** Announcements of this process, one after the other (each appends to the log). */
    this.queue = Promise.resolve()
    /** Whether the last store call failed (said once per outage). */
    this.down = false
  }

  /** Starts polling and subscribing; holds no member (a client that is gone must not be kept). */
  start () {
    if (this.timer !== null) return
    this.timer = setInterval(() => this.poll(), this.pollMs)
    this.timer.unref()
    this.poll()
    if (typeof this.store.subscribe === 'function' && typeof this.store.publish === 'function') {
      this.subscription = bounded(this.store.subscribe(CHANNEL, (text) => this.hear(text)))
      this.subscription.catch((error) => this.failed('subscribe', error))
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
    if (this.subscription !== null) {
      // Also a subscription still being made: ended once it is.
      this.subscription.then((unsubscribe) => typeof unsubscribe === 'function' && unsubscribe()).catch(() => {})
    }
    this.subscription = null
    channels.delete(this.store)
  }

  /** Tells the others: this process's other clients at once, other processes through the store. Never rejects. */
  announce (from, selector, hard) {
    const done = this.queue.then(() => this.send(from, selector, hard))
    this.queue = done
    return done
  }

  async send (from, selector, hard) {
    const entry = { id: randomUUID(), from: this.id, serviceURL: from.serviceURL, selector, hard }
    this.remember(entry.id)
    try {
      await Promise.all(this.live()
        .filter((member) => member !== from && member.serviceURL === from.serviceURL)
        .map((member) => member.apply(selector, hard)))
    } catch {}
    try {
      await this.append(entry)
      if (typeof this.store.publish === 'function') await bounded(this.store.publish(CHANNEL, JSON.stringify(entry)))
      this.recovered()
    } catch (error) {
      this.failed('announce', error)
    }
  }

  /** Appends `entry` to the store's log, under the store's lease when it has one (waited for a while: two appends at once would lose one). */
  async append (entry) {
    let release = null
    if (typeof this.store.lease === 'function') {
      const deadline = Date.now() + STORE_CALL_MS
      while (typeof release !== 'function') {
        release = await bounded(this.store.lease(`${LOG_KEY}:lock`, STORE_CALL_MS))
        if (typeof release !== 'function') {
          if (Date.now() > deadline) throw Object.assign(new Error('the log stayed locked'), { name: 'TimeoutError' })
          await sleep(10 + Math.random() * 20)
        }
      }
    }
    try {
      const log = parseLog(await bounded(this.store.get(LOG_KEY)))
      entry.seq = log.seq + 1
      const recent = [...log.recent, entry].slice(-LOG_LENGTH)
      await bounded(this.store.set(LOG_KEY, JSON.stringify({ epoch: log.epoch ?? randomUUID(), seq: entry.seq, recent }), LOG_TTL_MS))
    } finally {
      if (typeof release === 'function') await bounded(release()).catch(() => {})
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

  /**
   * Reads the log and applies what this process has not heard yet. A process that fell behind
   * it (entries it never read are gone) or sees it started again (expired, evicted, flushed: a
   * new epoch, or a position behind its own) marks everything stale.
   */
  async poll () {
    // A slow store: the next poll waits for this one.
    if (this.polling) return
    this.polling = true
    try {
      await this.pollOnce()
    } finally {
      this.polling = false
    }
  }

  async pollOnce () {
    const members = this.live()
    if (members.length === 0) return
    let log
    try {
      log = parseLog(await bounded(this.store.get(LOG_KEY)))
      this.recovered()
    } catch (error) {
      return this.failed('poll', error)
    }
    const seen = this.seen
    this.seen = { epoch: log.epoch, seq: log.seq }
    if (seen === undefined) return
    const restarted = log.epoch !== seen.epoch || log.seq < seen.seq
    const oldest = log.recent.length > 0 ? log.recent[0].seq : log.seq + 1
    if (restarted ? seen.epoch !== undefined : oldest > seen.seq + 1) {
      for (const member of members) member.apply({ all: true }, false).catch(() => {})
    }
    for (const entry of log.recent) if (restarted || entry.seq > seen.seq) this.apply(entry)
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
    for (const member of this.live()) {
      if (member.serviceURL === entry.serviceURL) member.apply(checked.selector, checked.hard).catch(() => {})
    }
  }

  remember (id) {
    this.applied.add(id)
    if (this.applied.size > 4 * LOG_LENGTH) this.applied.delete(this.applied.values().next().value)
  }

  /** Says once per outage, through a live client's logger, that invalidations stay in this process. */
  failed (operation, error) {
    if (this.down) return
    this.down = true
    const member = this.live().find((candidate) => candidate.log)
    if (member) {
      member.log('warn', {
        event: 'invalidations-unshared',
        operation,
        error: error && error.name === 'TimeoutError' ? 'timeout' : 'store-error',
        message: 'the cache store cannot carry invalidations: this process invalidates its own cache, the others keep their copies until their lifetimes end'
      })
    }
  }

  recovered () {
    if (!this.down) return
    this.down = false
    const member = this.live().find((candidate) => candidate.log)
    if (member) member.log('info', { event: 'invalidations-shared', message: 'the cache store carries invalidations again' })
  }
}

/** The log as the store holds it: `{epoch, seq, recent}`; an absent or unreadable one is empty (no epoch). */
function parseLog (text) {
  try {
    const log = JSON.parse(text)
    if (Number.isSafeInteger(log.seq) && Array.isArray(log.recent)) {
      return { epoch: typeof log.epoch === 'string' ? log.epoch : undefined, seq: log.seq, recent: log.recent.filter((entry) => entry && Number.isSafeInteger(entry.seq)) }
    }
  } catch {}
  return { epoch: undefined, seq: 0, recent: [] }
}

/** `promise`, rejected with a TimeoutError after STORE_CALL_MS. */
function bounded (promise) {
  return within(promise, STORE_CALL_MS)
}

module.exports = { joinInvalidations, DEFAULT_POLL_MS }
