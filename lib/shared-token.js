'use strict'

// The cross-process layer under a TokenProvider: the app's store (createRedisStore, or any
// object with get/set and, optionally, lease), reached through one key. It keeps nothing of its
// own: the provider (lib/token-provider.js) owns the token's life and calls this layer to read
// another process's token, to take the refresh lease, and to put its own token there. A store
// that fails or does not answer in time is bypassed, never fatal.

/** What `lease()` resolves with while another process holds the lease. */
const BUSY = Symbol('busy')

/** A stored entry is believed only if it expires within this, as IMS's tokens do (24 h). */
const LATEST_EXPIRY_MS = 25 * 60 * 60 * 1000

class SharedToken {
  /**
   * @param {{get: Function, set: Function, lease?: Function}} store
   * @param {string} key where the token is kept (the lease is `${key}:lease`)
   * @param {number} timeoutMs how long one store call may take before it is bypassed
   */
  constructor (store, key, timeoutMs) {
    this.store = store
    this.key = key
    this.timeoutMs = timeoutMs
  }

  /** Whether the store has a refresh lease, so that one process refreshes for all. */
  get leases () {
    return typeof this.store.lease === 'function'
  }

  /**
   * The stored entry, `{view: {accessToken, tokenType, expiresAt}, expiresAt, refreshAt}`, or
   * null when there is none this package wrote, or the store fails.
   */
  async read () {
    return parseStored(await this.#call(() => this.store.get(this.key)))
  }

  /**
   * Takes the refresh lease for `ttlMs`: resolves with the function that gives it back, with
   * BUSY while another process holds it, or with null when the store fails (the caller then
   * refreshes on its own).
   */
  async lease (ttlMs) {
    let late = false
    const release = await this.#call(async () => {
      const got = await this.store.lease(`${this.key}:lease`, ttlMs)
      // A lease that comes after the timeout is given back at once: nobody will use it.
      if (late && typeof got === 'function') this.#call(got)
      return got
    }, () => { late = true })
    if (typeof release === 'function') return release
    return release === null ? BUSY : null
  }

  /** Gives a lease back; a store that fails is left to let it expire. */
  async release (release) {
    await this.#call(release)
  }

  /** Puts an entry there, kept until the token expires. */
  async write (entry) {
    const ttl = Math.ceil(entry.expiresAt - Date.now())
    if (ttl <= 0) return
    const value = JSON.stringify({ ...entry.view, refreshAt: entry.refreshAt })
    await this.#call(() => this.store.set(this.key, value, ttl))
  }

  /**
   * Runs a store operation. One that fails or does not answer within the timeout resolves with
   * undefined (`onTimeout` is told): an outage of the store never stops requests.
   */
  async #call (operation, onTimeout = undefined) {
    let timer
    try {
      return await Promise.race([
        operation(),
        new Promise((resolve) => {
          timer = setTimeout(() => {
            if (onTimeout) onTimeout()
            resolve(undefined)
          }, this.timeoutMs)
        })
      ])
    } catch {
      return undefined
    } finally {
      clearTimeout(timer)
    }
  }
}

/** A stored entry, if it is one this package wrote and plausible (expiring within 25 h). */
function parseStored (text) {
  if (typeof text !== 'string') return null
  try {
    const value = JSON.parse(text)
    const latest = Date.now() + LATEST_EXPIRY_MS
    if (typeof value.accessToken !== 'string' || typeof value.tokenType !== 'string') return null
    if (!(Number.isFinite(value.expiresAt) && value.expiresAt <= latest && Number.isFinite(value.refreshAt) && value.refreshAt <= value.expiresAt)) return null
    const { accessToken, tokenType, expiresAt, refreshAt } = value
    return { view: Object.freeze({ accessToken, tokenType, expiresAt }), expiresAt, refreshAt }
  } catch {
    return null
  }
}

module.exports = { SharedToken, BUSY }
