'use strict'

/**
 * Fault injection, two ways. The fault routes: `/graphql/execute.json/fault/{name}{vars}` answers
 * with a failure of the network or of AEM, so that clients' retries, timeouts and limits can be
 * tested; variables use the persisted-query encoding, and `key` names a counter, so that "fail N
 * times, then succeed" faults can be run again with a fresh key. The fault queue (`emu.fail`):
 * the next requests to any AEM route, or to some of them, answer an error status.
 * @module emulator/faults
 */

const zlib = require('node:zlib')
const { send, sendJson, JSON_TYPE } = require('./http')
const { parsePersistedPath } = require('./persisted')

const PREFIX = '/graphql/execute.json/fault/'
const DISPATCHER_503 = '<!DOCTYPE html><html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1></body></html>'
const MAX_WAIT_MS = 10000
const MAX_MB = 100

/** Per-key request counters. */
const counters = new Map()

function count (key) {
  const n = (counters.get(key) || 0) + 1
  counters.set(key, n)
  return n
}

function int (value, fallback, max) {
  const n = Number.parseInt(value, 10)
  return Number.isFinite(n) && n >= 0 ? Math.min(n, max) : fallback
}

const ok = (res, value, headers) => sendJson(res, 200, { data: value }, headers)

/** The faults, by name: each writes its own answer. */
const FAULTS = {
  /** `failures` 503 Dispatcher pages, then 200. */
  flaky (res, v, headers) {
    const attempt = count(`flaky:${v.key}`)
    if (attempt <= int(v.failures, 1, 100)) return send(res, 503, 'text/html;charset=utf-8', DISPATCHER_503, headers)
    ok(res, { flaky: { attempt } }, headers)
  },
  /** `failures` 500 JSON errors, then 200. */
  'flaky-500' (res, v, headers) {
    const attempt = count(`flaky-500:${v.key}`)
    if (attempt <= int(v.failures, 1, 100)) return sendJson(res, 500, { errors: [{ errorType: 'ServletError', message: 'Temporary failure' }] }, headers)
    ok(res, { flaky: { attempt } }, headers)
  },
  /** 429 with `Retry-After: {retryAfter}` (seconds, or an HTTP date that far ahead with `date=1`) `failures` times, then 200. */
  'rate-limited' (res, v, headers) {
    const attempt = count(`rate-limited:${v.key}`)
    if (attempt <= int(v.failures, 1, 100)) {
      const seconds = int(v.retryAfter, 1, 3600)
      const retryAfter = v.date ? new Date(Date.now() + seconds * 1000).toUTCString() : String(seconds)
      return sendJson(res, 429, { errors: [{ message: 'Too many requests' }] }, { ...headers, 'retry-after': retryAfter })
    }
    ok(res, { rateLimited: { attempt } }, headers)
  },
  /** The connection is reset before any header, `failures` times, then 200. */
  'reset-before-headers' (res, v, headers) {
    const attempt = count(`reset-before-headers:${v.key}`)
    if (attempt <= int(v.failures, 1, 100)) return res.socket.destroy()
    ok(res, { reset: { attempt } }, headers)
  },
  /** Headers promise 1000 bytes; 10 arrive; then the connection is reset. */
  'reset-after-headers' (res, v, headers) {
    res.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': 1000 })
    res.write('{"data":{"')
    setTimeout(() => res.socket && res.socket.destroy(), 20)
  },
  /** Nothing for `ms` milliseconds (at most 10 s), then 200. */
  stall (res, v, headers) {
    const timer = setTimeout(() => { if (!res.destroyed) ok(res, { stalled: true }, headers) }, int(v.ms, 5000, MAX_WAIT_MS))
    res.on('close', () => clearTimeout(timer))
  },
  /** Headers at once, then one byte of the body every `ms` milliseconds. */
  drip (res, v, headers) {
    const body = Buffer.from(JSON.stringify({ data: { drip: 'x'.repeat(int(v.bytes, 50, 10000)) } }))
    res.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': body.length })
    let i = 0
    const timer = setInterval(() => {
      if (res.destroyed || i >= body.length) { clearInterval(timer); return res.end() }
      res.write(body.subarray(i, i + 1))
      i++
    }, int(v.ms, 100, MAX_WAIT_MS))
    res.on('close', () => clearInterval(timer))
  },
  /** `content-length` says 100; 20 bytes of JSON arrive; the response ends. */
  truncated (res, v, headers) {
    res.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': 100 })
    res.end('{"data":{"truncated"')
    res.socket && res.socket.end()
  },
  /** 200 with a body that is not valid JSON. */
  'invalid-json' (res, v, headers) {
    send(res, 200, 'application/json;charset=utf-8', '{"data": {"a": 1,', headers)
  },
  /** 200 with `mb` megabytes of JSON (at most 100). */
  huge (res, v, headers) {
    const mb = int(v.mb, 1, MAX_MB)
    send(res, 200, 'application/json;charset=utf-8', `{"data":{"blob":"${'x'.repeat(mb * 1024 * 1024)}"}}`, headers)
  },
  /** 200, gzip-encoded: a small body that inflates to `mb` megabytes (at most 100). */
  'gzip-bomb' (res, v, headers) {
    const mb = int(v.mb, 100, MAX_MB)
    const json = `{"data":{"blob":"${'0'.repeat(mb * 1024 * 1024)}"}}`
    const gz = zlib.gzipSync(json, { level: 9 })
    res.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': gz.length })
    res.end(gz)
  }
}

/**
 * Answers a fault request, if `path` is one.
 * @param {string} path the raw path
 * @param {import('node:http').ServerResponse} res
 * @param {Record<string, string>} headers headers every AEM answer carries
 * @returns {boolean} whether it was a fault request
 */
function handleFault (path, res, headers) {
  if (!path.startsWith(PREFIX)) return false
  const parsed = parsePersistedPath(path)
  const fault = parsed && FAULTS[parsed.name]
  if (!fault) {
    sendJson(res, 404, { errors: [{ errorType: 'ServletError', message: `No such fault: ${parsed ? parsed.name : path}` }] }, headers)
    return true
  }
  fault(res, parsed.variables, headers)
  return true
}

/**
 * @typedef {object} FaultRule one `emu.fail` call
 * @property {string} path a raw path prefix
 * @property {string} [method] only requests of this method
 * @property {number} remaining how many requests it still fails
 * @property {number} status 400 … 599
 * @property {string|null} retryAfter the `Retry-After` value, null for none
 * @property {unknown} [body] its own body: a string as is, anything else as JSON
 * @property {string} [contentType] the body's type
 */

/**
 * Creates the fault queue of one emulator: `add` makes the next `count` AEM requests under a path
 * (and of a method) answer `status`. Rules queue up; a request meets the first that matches.
 */
function createFaultQueue () {
  /** @type {FaultRule[]} */
  const rules = []
  return {
    /**
     * @param {number} [count=1]
     * @param {{status?: number, retryAfter?: number|string|null, path?: string, method?: string,
     *   body?: unknown, contentType?: string}} [options] `status` 400 … 599 (default 503); `retryAfter`
     *   seconds or an HTTP date (default none); `path` a raw path prefix (default `/`, every AEM
     *   route); `method` only that method; `body` instead of the route's own error body
     */
    add (count = 1, { status = 503, retryAfter = null, path = '/', method, body, contentType } = {}) {
      if (!Number.isInteger(count) || count < 0) throw new RangeError(`count must be a non-negative integer, got ${String(count)}`)
      if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError(`status must be 400 … 599, got ${String(status)}`)
      if (typeof path !== 'string' || !path.startsWith('/')) throw new RangeError(`path must be a path starting with /, got ${String(path)}`)
      if (count === 0) return
      rules.push({
        path,
        method: method && method.toUpperCase(),
        remaining: count,
        status,
        retryAfter: retryAfter == null ? null : String(retryAfter),
        body,
        contentType
      })
    },
    /** Forgets every pending rule. */
    clear () {
      rules.length = 0
    },
    /**
     * The rule a request meets, if any (counted against it).
     * @returns {FaultRule|null}
     */
    take (method, path) {
      const i = rules.findIndex((r) => path.startsWith(r.path) && (!r.method || r.method === method))
      if (i < 0) return null
      const rule = rules[i]
      if (--rule.remaining === 0) rules.splice(i, 1)
      return rule
    }
  }
}

/**
 * The answer to a request that met a fault rule: the rule's `body` when it has one (a string as is,
 * as text/plain unless `contentType`; anything else as JSON), else `fallback`, the API's own error
 * body; with the rule's status and `Retry-After`.
 * @param {FaultRule} rule
 * @param {{json?: unknown, text?: string, contentType?: string, headers?: Record<string, string>}} fallback
 * @returns {{status: number, json?: unknown, text?: string, contentType?: string, headers: Record<string, string>}}
 */
function faultAnswer (rule, fallback) {
  let answer = fallback
  if (typeof rule.body === 'string') answer = { text: rule.body, contentType: rule.contentType || 'text/plain;charset=utf-8' }
  else if (rule.body !== undefined) answer = { text: JSON.stringify(rule.body), contentType: rule.contentType || JSON_TYPE }
  const headers = { ...answer.headers }
  if (rule.retryAfter !== null) headers['retry-after'] = rule.retryAfter
  return { ...answer, status: rule.status, headers }
}

module.exports = { handleFault, createFaultQueue, faultAnswer, FAULT_NAMES: Object.keys(FAULTS), DISPATCHER_503 }
