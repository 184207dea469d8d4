'use strict'

const { sdkError } = require('./errors')

/** The longest timeout accepted, in milliseconds (as setTimeout's). */
const MAX_TIMEOUT_MS = 2147483647

/** The largest retry settings accepted. */
const LIMITS = {
  maxRetries: 100,
  initialDelayInMillis: 3600000,
  initialDelayMs: 3600000,
  maxDelayMs: 3600000
}

/**
 * Checks per-call options: `method`, `headers` (merged over the client's), `signal` (an
 * AbortSignal), `timeout` and `connectTimeout` (milliseconds). Other keys, such as fetch options Adobe's client passes through, are ignored.
 * @param {unknown} options
 * @param {string} defaultMethod
 * @returns {{method: string, headers: Record<string, string> | undefined, signal: AbortSignal | undefined}}
 */
function callOptions (options, defaultMethod) {
  if (options === undefined || options === null) return { method: defaultMethod, headers: undefined, signal: undefined, timeout: undefined, connectTimeout: undefined }
  if (typeof options !== 'object') throw sdkError('INVALID_PARAM', 'options must be an object')
  const method = options.method === undefined ? defaultMethod : String(options.method).toUpperCase()
  const signal = options.signal ?? undefined
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw sdkError('INVALID_PARAM', 'options.signal must be an AbortSignal')
  }
  const timeout = positiveNumber(options.timeout, 'options.timeout', MAX_TIMEOUT_MS)
  const connectTimeout = positiveNumber(options.connectTimeout, 'options.connectTimeout', MAX_TIMEOUT_MS)
  return { method, headers: headerRecord(options.headers, 'options.headers'), signal, timeout, connectTimeout }
}

/**
 * Checks Adobe's `retryOptions`: `{maxRetries, initialDelayInMillis}`, each a non-negative
 * integer when given, and turns them into the native retry settings of one call.
 * @param {unknown} retryOptions
 * @returns {{maxRetries?: number, initialDelayMs?: number} | undefined}
 */
function checkRetryOptions (retryOptions) {
  if (retryOptions === undefined || retryOptions === null) return undefined
  if (typeof retryOptions !== 'object' || Array.isArray(retryOptions)) {
    throw sdkError('INVALID_PARAM', 'retryOptions must be an object: {maxRetries, initialDelayInMillis}')
  }
  for (const key of ['maxRetries', 'initialDelayInMillis']) {
    const value = retryOptions[key]
    if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= LIMITS[key])) {
      throw sdkError('INVALID_PARAM', `retryOptions.${key} must be a whole number from 0 to ${LIMITS[key]}`)
    }
  }
  const { maxRetries, initialDelayInMillis } = retryOptions
  if (maxRetries === undefined && initialDelayInMillis === undefined) return undefined
  return { maxRetries, initialDelayMs: initialDelayInMillis }
}

/**
 * Checks the client's `retries` option: `{maxRetries, initialDelayMs, maxDelayMs}`.
 * @param {unknown} retries
 */
function checkRetries (retries) {
  if (retries === undefined || retries === null) return undefined
  if (typeof retries !== 'object' || Array.isArray(retries)) {
    throw sdkError('INVALID_PARAM', 'retries must be an object: {maxRetries, initialDelayMs, maxDelayMs}')
  }
  for (const key of ['maxRetries', 'initialDelayMs', 'maxDelayMs']) {
    const value = retries[key]
    if (value !== undefined && !(Number.isInteger(value) && value >= 0 && value <= LIMITS[key])) {
      throw sdkError('INVALID_PARAM', `retries.${key} must be a whole number from 0 to ${LIMITS[key]}`)
    }
  }
  const { maxRetries, initialDelayMs, maxDelayMs } = retries
  return { maxRetries, initialDelayMs, maxDelayMs }
}

/**
 * Checks the client's `cache` option: `true` for the defaults, or `{maxEntries, maxBytes,
 * staleWhileRevalidate, staleIfError}` (the stale windows, in seconds, of answers that carry
 * none) with `{store, storeTimeoutMs, maxStoreBytes, invalidationPollMs}` to share it with other processes,
 * `purgeKey` to purge AEM's CDN on invalidations, and
 * `models` (persisted query to the models it lists, for aliased list fields); `false`, `null` or
 * absent for no cache.
 * @param {unknown} cache
 * @returns {{maxEntries?: number, maxBytes?: number, staleWhileRevalidate?: number, staleIfError?: number,
 *   store?: object, storeTimeoutMs?: number, maxStoreBytes?: number, models?: Record<string, string[]>,
 *   invalidationPollMs?: number, purgeKey?: string} | undefined}
 */
function checkCache (cache) {
  if (cache === undefined || cache === null || cache === false) return undefined
  if (cache === true) return {}
  if (typeof cache !== 'object' || Array.isArray(cache)) {
    throw sdkError('INVALID_PARAM', 'cache must be true or an object: {maxEntries, maxBytes, staleWhileRevalidate, staleIfError, store}')
  }
  const { maxEntries, maxBytes, staleWhileRevalidate, staleIfError, store, storeTimeoutMs, maxStoreBytes, models, invalidationPollMs, purgeKey } = cache
  for (const [name, value] of [['staleWhileRevalidate', staleWhileRevalidate], ['staleIfError', staleIfError]]) {
    if (value !== undefined && !(Number.isFinite(value) && value >= 0 && value <= MAX_STALE_SECONDS)) {
      throw sdkError('INVALID_PARAM', `cache.${name} must be a number of seconds from 0 to ${MAX_STALE_SECONDS}`)
    }
  }
  if (store !== undefined && (store === null || typeof store.get !== 'function' || typeof store.set !== 'function' ||
      ['lease', 'publish', 'subscribe'].some((name) => store[name] !== undefined && typeof store[name] !== 'function'))) {
    throw sdkError('INVALID_PARAM', 'cache.store must have async get(key) and set(key, value, ttlMs), and may have lease(key, ttlMs), publish(channel, message) and subscribe(channel, listener): the store tokens take')
  }
  if (invalidationPollMs !== undefined && !(Number.isFinite(invalidationPollMs) && invalidationPollMs >= 100 && invalidationPollMs <= 3600000)) {
    throw sdkError('INVALID_PARAM', 'cache.invalidationPollMs must be a number of milliseconds from 100 to 3600000')
  }
  if (storeTimeoutMs !== undefined && !(Number.isFinite(storeTimeoutMs) && storeTimeoutMs > 0 && storeTimeoutMs <= 60000)) {
    throw sdkError('INVALID_PARAM', 'cache.storeTimeoutMs must be a number of milliseconds from 1 to 60000')
  }
  if (maxStoreBytes !== undefined && !(Number.isInteger(maxStoreBytes) && maxStoreBytes > 0 && maxStoreBytes <= 512 * 1024 * 1024)) {
    throw sdkError('INVALID_PARAM', 'cache.maxStoreBytes must be a whole number from 1 to 536870912')
  }
  if (maxEntries !== undefined && !(Number.isInteger(maxEntries) && maxEntries > 0 && maxEntries <= 10000000)) {
    throw sdkError('INVALID_PARAM', 'cache.maxEntries must be a whole number from 1 to 10000000')
  }
  if (maxBytes !== undefined && !(Number.isInteger(maxBytes) && maxBytes > 0 && maxBytes <= Number.MAX_SAFE_INTEGER)) {
    throw sdkError('INVALID_PARAM', `cache.maxBytes must be a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`)
  }
  if (models !== undefined && (models === null || typeof models !== 'object' || Array.isArray(models) ||
      !Object.values(models).every((list) => Array.isArray(list) && list.every((model) => typeof model === 'string' && model !== '')))) {
    throw sdkError('INVALID_PARAM', "cache.models must map persisted queries ('conf/name') to arrays of model paths or names")
  }
  if (purgeKey !== undefined && !(typeof purgeKey === 'string' && /^[\x21-\x7e]+$/.test(purgeKey))) {
    throw sdkError('INVALID_PARAM', 'cache.purgeKey must be printable ASCII without spaces (it is sent as X-AEM-Purge-Key)')
  }
  return { maxEntries, maxBytes, staleWhileRevalidate, staleIfError, store, storeTimeoutMs, maxStoreBytes, models, invalidationPollMs, purgeKey }
}

/** The longest stale window the client's own defaults may set: a week. */
const MAX_STALE_SECONDS = 7 * 24 * 60 * 60

/**
 * Checks an optional boolean option.
 * @param {unknown} value
 * @param {string} what
 */
function optionalBoolean (value, what) {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'boolean') throw sdkError('INVALID_PARAM', `${what} must be a boolean`)
  return value
}

/**
 * The `tracing` option of a client, a token provider, `getToken` and `exchange`: true unless
 * `false`; null and undefined leave it on; anything else is INVALID_PARAM.
 * @param {{tracing?: unknown} | undefined | null} options
 * @param {string} prefix how the options are named in the message (`''` or `'options.'`)
 * @returns {boolean}
 */
function tracingOption (options, prefix) {
  const tracing = options === undefined || options === null ? undefined : options.tracing
  return optionalBoolean(tracing, `${prefix}tracing`) !== false
}

/**
 * `JSON.stringify(value)`, or INVALID_PARAM naming `what` when it cannot be serialized (a cycle,
 * a BigInt).
 * @param {unknown} value
 * @param {string} what
 * @returns {string | undefined}
 */
function toJson (value, what) {
  try {
    return JSON.stringify(value)
  } catch (error) {
    throw sdkError('INVALID_PARAM', `${what} cannot be serialized to JSON (${error.message})`, {}, error)
  }
}

/**
 * Checks an optional positive number of milliseconds or bytes, up to `max`.
 * @param {unknown} value
 * @param {string} what
 * @param {number} max
 */
function positiveNumber (value, what, max) {
  if (value === undefined || value === null) return undefined
  if (!(Number.isFinite(value) && value > 0 && value <= max)) throw sdkError('INVALID_PARAM', `${what} must be a positive number up to ${max}`)
  return value
}

/**
 * Headers as a string record, from what any fetch stack takes: a Headers-like object (one with
 * `forEach((value, name) => …)` or `entries()`, as the global, undici's and node-fetch's
 * `Headers` have), a `Map`, any iterable of `[name, value]` pairs, or a plain object. Names are
 * matched case-insensitively, as `Headers` does: the values of one name are joined with `, ` in
 * the order given, under the name's first spelling. Values are converted with String, as fetch
 * does; null and undefined values are dropped, except in pairs. Anything else is INVALID_PARAM.
 * @param {unknown} headers
 * @param {string} what the option's name, for the error
 * @returns {Record<string, string> | undefined}
 */
function headerRecord (headers, what) {
  if (headers === undefined || headers === null) return undefined
  if (typeof headers !== 'object') {
    throw sdkError('INVALID_PARAM', `${what} must be an object, a Headers, a Map or an iterable of [name, value] pairs`)
  }
  const merged = new Map() // lower-case name -> [first spelling, value]
  const add = (name, value, pair) => {
    if (!pair && (value === undefined || value === null)) return
    const key = String(name).toLowerCase()
    const seen = merged.get(key)
    merged.set(key, seen ? [seen[0], `${seen[1]}, ${String(value)}`] : [String(name), String(value)])
  }
  // Arrays, Sets, typed arrays and iterators (Iterator#forEach, from Node 22) have a forEach or
  // entries() that gives no header names.
  const list = Array.isArray(headers) || headers instanceof Set || ArrayBuffer.isView(headers) || typeof headers.next === 'function'
  if (typeof headers.forEach === 'function' && !list && !(headers instanceof Map)) {
    headers.forEach((value, name) => add(name, value, false))
  } else if (typeof headers.entries === 'function' && !list) {
    for (const [name, value] of headers.entries()) add(name, value, false)
  } else if (typeof headers[Symbol.iterator] === 'function') {
    let i = 0
    for (const pair of headers) {
      if (!Array.isArray(pair) || pair.length !== 2) throw sdkError('INVALID_PARAM', `${what}[${i}] must be a [name, value] pair`)
      add(pair[0], pair[1], true)
      i++
    }
  } else {
    for (const [name, value] of Object.entries(headers)) add(name, value, false)
  }
  return Object.fromEntries(merged.values())
}

/**
 * The selector and mode of `aem.cache.invalidate(options)`, checked: `paths`, `prefixes`,
 * `models` and `queries` are arrays of non-empty strings, `all` a boolean, `mode` `'soft'` (the default) or
 * `'hard'`; at least one of them must reach something.
 * @returns {{selector: {paths?: string[], prefixes?: string[], models?: string[], queries?: string[], all?: boolean}, hard: boolean}}
 */
const SELECTOR_LISTS = ['paths', 'prefixes', 'models', 'queries']

function checkInvalidation (options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw sdkError('INVALID_PARAM', 'invalidate takes an object: {paths, prefixes, models, queries, all, mode, unchangedSince}')
  }
  const selector = {}
  for (const name of SELECTOR_LISTS) {
    const values = options[name]
    if (values === undefined) continue
    if (!Array.isArray(values) || !values.every((value) => typeof value === 'string' && value !== '')) {
      throw sdkError('INVALID_PARAM', `${name} must be an array of non-empty strings`)
    }
    selector[name] = values
  }
  if (options.all !== undefined && typeof options.all !== 'boolean') throw sdkError('INVALID_PARAM', 'all must be a boolean')
  if (options.all) selector.all = true
  if (options.unchangedSince !== undefined) {
    const time = options.unchangedSince instanceof Date ? options.unchangedSince.getTime() : options.unchangedSince
    if (typeof time !== 'number' || !Number.isFinite(time) || time < 0) {
      throw sdkError('INVALID_PARAM', 'unchangedSince must be a Date or a time in epoch milliseconds')
    }
    selector.unchangedSince = time
  }
  const mode = options.mode === undefined ? 'soft' : options.mode
  if (mode !== 'soft' && mode !== 'hard') throw sdkError('INVALID_PARAM', "mode must be 'soft' or 'hard'")
  if (!selector.all && !SELECTOR_LISTS.some((name) => selector[name] && selector[name].length > 0)) {
    throw sdkError('INVALID_PARAM', 'invalidate needs paths, prefixes, models, queries or all: true')
  }
  return { selector, hard: mode === 'hard' }
}

module.exports = { callOptions, checkRetryOptions, checkRetries, checkCache, checkInvalidation, optionalBoolean, tracingOption, toJson, positiveNumber, headerRecord, MAX_TIMEOUT_MS }
