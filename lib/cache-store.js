'use strict'

// The app's store, the one tokens share (`get`, `set`, and `lease` when it has one:
// `createRedisStore` as it is), as the native response cache's shared store. The core decides
// what goes there and for how long (src/cache/shared.rs), and bounds each call in time; this
// only runs the calls and hands every answer back through `settleStore`. A call that throws or
// rejects is answered as nothing there: no request fails because of the store.

const native = require('../binding.js')

/**
 * The native bridge over `store`.
 * @param {{get(key: string): Promise<string | null | undefined>, set(key: string, value: string, ttlMs: number): Promise<void>,
 *   lease?(key: string, ttlMs: number): Promise<(() => Promise<void>) | null>}} store
 * @returns {import('../binding').CacheStore}
 */
function cacheStoreFor (store) {
  /** Release functions of the leases this process holds, by the number of the call that took each. */
  const leases = new Map()
  /** Leases the core gave up waiting for: given back as soon as the store grants them. */
  const abandoned = new Set()
  const call = ({ id, op, key, value, ttlMs }) => {
    run(store, { leases, abandoned }, id, op, key, value, ttlMs).then(
      (answer) => native.settleStore(id, answer),
      () => native.settleStore(id, null)
    )
  }
  return new native.CacheStore(call)
}

/** One store call: the value read, `held` or `busy` for a lease, else null. */
async function run (store, { leases, abandoned }, id, op, key, value, ttlMs) {
  const ttl = Math.max(1, Math.ceil(ttlMs || 0))
  if (op === 'get') {
    const found = await store.get(key)
    return typeof found === 'string' ? found : null
  }
  if (op === 'set') {
    await store.set(key, value, ttl)
    return null
  }
  if (op === 'lease') {
    if (typeof store.lease !== 'function') return null
    const release = await store.lease(key, ttl)
    if (typeof release !== 'function') return 'busy'
    const name = String(id)
    if (abandoned.delete(name)) {
      await release()
      return null
    }
    leases.set(name, release)
    // A holder that never releases (its call gave up waiting) is forgotten with the lease.
    setTimeout(() => leases.delete(name), ttl).unref()
    return 'held'
  }
  if (op === 'release') {
    const release = leases.get(key)
    leases.delete(key)
    if (release !== undefined) {
      await release()
    } else {
      // Not granted yet: given back when it is (a set kept small: a lease lives ttl at most).
      if (abandoned.size >= 1000) abandoned.clear()
      abandoned.add(key)
    }
  }
  return null
}

module.exports = { cacheStoreFor }
