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

module.exports = { onAbort }
