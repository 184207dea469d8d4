'use strict'

/**
 * One `abort` listener per AbortSignal, however many calls share the signal: each call adds
 * its handler here and removes it when it settles. A signal given to thousands of calls, at
 * once or one after another, holds at most one listener (no MaxListenersExceededWarning), and
 * none once every call has settled.
 */

/** @type {WeakMap<AbortSignal, {handlers: Set<() => void>, dispatch: () => void}>} */
const listeners = new WeakMap()

/**
 * Calls `handler` once if `signal` aborts before the returned function is called.
 * @param {AbortSignal} signal
 * @param {() => void} handler
 * @returns {() => void} removes the handler (and the signal's listener with the last one)
 */
function onAbort (signal, handler) {
  let listener = listeners.get(signal)
  if (listener === undefined) {
    const handlers = new Set()
    const dispatch = () => {
      listeners.delete(signal)
      for (const each of handlers) each()
      handlers.clear()
    }
    listener = { handlers, dispatch }
    listeners.set(signal, listener)
    signal.addEventListener('abort', dispatch, { once: true })
  }
  const { handlers, dispatch } = listener
  // An entry of its own, so that the same function given by two calls is removed once each.
  const entry = () => handler()
  handlers.add(entry)
  return () => {
    if (!handlers.delete(entry) || handlers.size > 0) return
    if (listeners.get(signal) === listener) {
      listeners.delete(signal)
      signal.removeEventListener('abort', dispatch)
    }
  }
}

/** What a call without a signal holds: no token, nothing to release. */
const NO_CANCEL = Object.freeze({ token: undefined, release () {} })

/**
 * A native `CancelToken` that `signal` cancels, for one call into the core (at once when it is
 * aborted already), and `release`, to be called when that call settles (it removes the call's
 * handler from the signal). Without a signal: no token and nothing to release, with no
 * allocation.
 * @param {AbortSignal | undefined | null} signal
 * @param {new () => {cancel(): void}} CancelToken the binding's class
 * @returns {{token: {cancel(): void} | undefined, release: () => void}}
 */
function cancelTokenFor (signal, CancelToken) {
  if (!signal) return NO_CANCEL
  const token = new CancelToken()
  // A signal aborted already fires no event: the call is cancelled before it sends anything.
  if (signal.aborted) {
    token.cancel()
    return { token, release: NO_CANCEL.release }
  }
  return { token, release: onAbort(signal, () => token.cancel()) }
}

/**
 * `promise`, or a rejection with a TimeoutError after `ms` (a store's call that a dead
 * connection would leave waiting for ever: node-redis queues commands while it reconnects).
 * @template T
 * @param {Promise<T> | T} promise
 * @param {number} ms
 * @returns {Promise<T>}
 */
function within (promise, ms) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' })), ms)
    timer.unref()
  })
  return Promise.race([Promise.resolve(promise), timeout]).finally(() => clearTimeout(timer))
}

module.exports = { onAbort, cancelTokenFor, within }
