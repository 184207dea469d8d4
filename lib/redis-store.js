'use strict'

/**
 * A token store over a Redis client that the application created and connected, so that many
 * processes share one IMS access token. Works with node-redis (`redis` v4 to v6) and ioredis (v5),
 * without depending on either. Nothing is logged: the values hold access tokens.
 * @module aem-headless-rs/lib/redis-store
 */

/** @typedef {{ get(key: string): Promise<string | null | undefined>, set(key: string, value: string, ttlMs: number): Promise<void>, lease?(key: string, ttlMs: number): Promise<(() => Promise<void>) | null>, publish?(channel: string, message: string): Promise<void>, subscribe?(channel: string, listener: (message: string) => void): Promise<() => Promise<void>> }} TokenStore */

const { randomUUID } = require('node:crypto')

/** Deletes KEYS[1] only while it still holds ARGV[1]: a lease is given back by its holder only. */
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"
/** @typedef {'node-redis' | 'ioredis'} RedisFlavor */

const FLAVORS = ['node-redis', 'ioredis']

/**
 * Tells node-redis from ioredis by duck typing: node-redis v4+ clients (and clusters) have a boolean
 * `isOpen`; ioredis clients (and clusters) have no `isOpen` but a string `status` ('wait', 'ready', …).
 * `options` is not used: both have it.
 * @param {object} client
 * @returns {RedisFlavor | undefined} undefined when neither matches
 */
function detectFlavor (client) {
  if (typeof client.isOpen === 'boolean') return 'node-redis'
  if (typeof client.status === 'string') return 'ioredis'
  return undefined
}

/**
 * Creates a {@link TokenStore} that keeps entries under `prefix + key` with a TTL in milliseconds (PX),
 * and refresh leases with `SET prefix+key value NX PX ttl` (a random value per lease) released by
 * compare-and-delete (a Lua script through EVAL), so that a lease that expired and was taken by
 * another process is never deleted by its late first holder.
 * @param {object} client a node-redis or ioredis client (or cluster), already connected; not closed here
 * @param {object} [options]
 * @param {string} [options.prefix='aem-headless-rs:token:'] prepended to every key
 * @param {RedisFlavor} [options.flavor] skips detection (see {@link detectFlavor})
 * @param {object} [options.subscriber] a second connected client of the same library (Redis
 *   gives a subscribing connection to subscriptions only: `client.duplicate()`, connected), over
 *   which the store's `subscribe` listens; not closed here. Without it the store has no
 *   `subscribe`, and the response cache's invalidations reach other processes by polling.
 * @returns {TokenStore} `set` rejects with a TypeError for a non-string key or value or a non-number
 *   `ttlMs`, and with a RangeError unless `ttlMs` is positive and finite (fractions are rounded up)
 * @throws {TypeError} no client, a client without `get`/`set`, a bad prefix, or an unknown flavor
 */
function createRedisStore (client, { prefix = 'aem-headless-rs:token:', flavor, subscriber } = {}) {
  if (client === null || typeof client !== 'object') {
    throw new TypeError('createRedisStore: a connected node-redis or ioredis client is required')
  }
  if (typeof client.get !== 'function' || typeof client.set !== 'function') {
    throw new TypeError('createRedisStore: the client must have get() and set() methods (node-redis or ioredis)')
  }
  if (typeof prefix !== 'string') throw new TypeError('createRedisStore: prefix must be a string')
  const kind = flavor === undefined ? detectFlavor(client) : flavor
  if (!FLAVORS.includes(kind)) {
    throw new TypeError(flavor === undefined
      ? "createRedisStore: cannot tell the client's library; pass { flavor: 'node-redis' } or { flavor: 'ioredis' }"
      : `createRedisStore: flavor must be 'node-redis' or 'ioredis', got ${String(flavor)}`)
  }
  if (subscriber !== undefined && (subscriber === null || typeof subscriber !== 'object' || typeof subscriber.subscribe !== 'function' || typeof subscriber.unsubscribe !== 'function')) {
    throw new TypeError('createRedisStore: subscriber must be a connected client of the same library, such as client.duplicate()')
  }
  const store = {
    async get (key) {
      if (typeof key !== 'string') throw new TypeError('TokenStore.get: key must be a string')
      const value = await client.get(prefix + key)
      return value == null ? null : String(value)
    },
    async set (key, value, ttlMs) {
      if (typeof key !== 'string') throw new TypeError('TokenStore.set: key must be a string')
      if (typeof value !== 'string') throw new TypeError('TokenStore.set: value must be a string')
      if (typeof ttlMs !== 'number') throw new TypeError('TokenStore.set: ttlMs must be a number of milliseconds')
      const px = Math.ceil(ttlMs)
      if (!Number.isSafeInteger(px) || px <= 0) {
        throw new RangeError(`TokenStore.set: ttlMs must be a positive number of milliseconds, got ${String(ttlMs)}`)
      }
      if (kind === 'ioredis') await client.set(prefix + key, value, 'PX', px)
      else await client.set(prefix + key, value, { PX: px })
    },
    async lease (key, ttlMs) {
      if (typeof key !== 'string') throw new TypeError('TokenStore.lease: key must be a string')
      const px = Math.ceil(ttlMs)
      if (!Number.isSafeInteger(px) || px <= 0) {
        throw new RangeError(`TokenStore.lease: ttlMs must be a positive number of milliseconds, got ${String(ttlMs)}`)
      }
      const holder = randomUUID()
      const taken = kind === 'ioredis'
        ? await client.set(prefix + key, holder, 'PX', px, 'NX')
        : await client.set(prefix + key, holder, { PX: px, NX: true })
      if (taken !== 'OK') return null
      return async function release () {
        if (kind === 'ioredis') await client.eval(RELEASE_SCRIPT, 1, prefix + key, holder)
        else await client.eval(RELEASE_SCRIPT, { keys: [prefix + key], arguments: [holder] })
      }
    },
    async publish (channel, message) {
      if (typeof channel !== 'string' || typeof message !== 'string') throw new TypeError('TokenStore.publish: channel and message must be strings')
      await client.publish(prefix + channel, message)
    }
  }
  if (subscriber !== undefined) {
    /**
     * Calls `listener(message)` for each message of `channel`; resolves, once subscribed, with
     * the function that ends the subscription.
     */
    store.subscribe = async function subscribe (channel, listener) {
      if (typeof channel !== 'string' || typeof listener !== 'function') throw new TypeError('TokenStore.subscribe: channel must be a string and listener a function')
      const name = prefix + channel
      if (kind === 'ioredis') {
        const onMessage = (from, message) => { if (from === name) listener(String(message)) }
        subscriber.on('message', onMessage)
        await subscriber.subscribe(name)
        return async function unsubscribe () {
          subscriber.removeListener('message', onMessage)
          await subscriber.unsubscribe(name)
        }
      }
      const onMessage = (message) => listener(String(message))
      await subscriber.subscribe(name, onMessage)
      return async function unsubscribe () {
        await subscriber.unsubscribe(name, onMessage)
      }
    }
  }
  return store
}

module.exports = { createRedisStore, detectFlavor }
