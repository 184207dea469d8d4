'use strict'

/**
 * What the app has made of the network: the one place that decides whether a request in `'auto'`
 * mode (no `transport` option, no `AEM_HEADLESS_TRANSPORT`) goes through the native client or
 * through JavaScript, where the app's HTTP test doubles see it.
 *
 * It goes through JavaScript when
 * - a test runner runs the process (decided once, at load: jest, vitest, `node --test`, mocha,
 *   ava), so that its fake timers move the core's waits and its doubles see every request;
 * - or, checked at each request by identity (a few property reads), the app has replaced part of
 *   Node's network: `http.request`, `https.request` or `http.ClientRequest` (nock, msw, Adobe's
 *   client's own path), `globalThis.fetch` (jest-fetch-mock, msw, nock 14) or undici's global
 *   dispatcher (`MockAgent`, a proxy agent set with `setGlobalDispatcher`).
 *
 * Which fetch carries it then follows what was replaced, so that the double that would have seen
 * Adobe's client's request sees ours: the global dispatcher replaced (`setGlobalDispatcher`, a
 * deliberate act of this realm), undici's fetch with that dispatcher (under jest the global fetch
 * does not read the realm's dispatcher); else `http.request` replaced, node-fetch over it (what
 * `@adobe/aem-headless-client-nodejs` and its `getToken` send with: the same headers, the same
 * errors; nock and msw patch it, and it stays patched for a jest worker's later files); else
 * `globalThis.fetch` replaced (jest-fetch-mock), that fetch; else the client's own fetch.
 *
 * A wrapper that only observes and calls through (shimmer's `__wrapped`/`__original`, as
 * OpenTelemetry's and APM agents' HTTP instrumentation installs) is not a replacement.
 */

const http = require('node:http')
const https = require('node:https')

/** undici's global dispatcher, by the symbols undici 5 to 8 and Node's own fetch use. */
const DISPATCHER_V1 = Symbol.for('undici.globalDispatcher.1')
const DISPATCHER_V2 = Symbol.for('undici.globalDispatcher.2')
/** The dispatchers Node's own fetch installs: an `Agent`, wrapped for the v1 API on Node 26. */
const NODE_DISPATCHERS = new Set(['Agent', 'Dispatcher1Wrapper'])

/** Node itself, not Bun or Deno, whose functions' sources are checked against Node's own. */
const IS_NODE = process.versions.bun === undefined && process.versions.deno === undefined

/** What Node's own functions say of themselves (Node 20 to 26). */
const NODE_SOURCES = {
  request: 'return new ClientRequest(url, options, cb)',
  secureRequest: 'ReflectConstruct(ClientRequest, args)',
  fetch: /fetchImpl|internal\/deps\/undici/
}

/** The test runner running the process, or null; decided once. */
const TEST_RUNNER = testRunner(process.env, process.argv, process.execArgv)

/**
 * The test runner the environment and command line show, or null.
 * @param {NodeJS.ProcessEnv} env
 * @param {string[]} argv
 * @param {string[]} execArgv
 * @returns {'jest' | 'vitest' | 'node:test' | 'mocha' | 'ava' | null}
 */
function testRunner (env, argv, execArgv) {
  if (env.JEST_WORKER_ID !== undefined) return 'jest'
  if (env.VITEST !== undefined || env.VITEST_WORKER_ID !== undefined || env.VITEST_POOL_ID !== undefined) return 'vitest'
  if (env.NODE_TEST_CONTEXT !== undefined || execArgv.includes('--test')) return 'node:test'
  if (env.AVA_PATH !== undefined) return 'ava'
  if (typeof argv[1] === 'string' && /[\\/](_?mocha)(\.c?js)?$|[\\/]mocha[\\/]bin[\\/]/.test(argv[1])) return 'mocha'
  return null
}

/** Node's own values at load: the reference on other runtimes, whose sources are their own. */
const AT_LOAD = { request: http.request, secureRequest: https.request, clientRequest: http.ClientRequest, fetch: globalThis.fetch }
const NODE_CLIENT_REQUEST = nodeClientRequest()

function nodeClientRequest () {
  if (!IS_NODE) return AT_LOAD.clientRequest
  try {
    return require('_http_client').ClientRequest
  } catch {
    return AT_LOAD.clientRequest
  }
}

/** The last values seen and what they made of the network: unchanged values cost no more. */
const seen = { request: undefined, secureRequest: undefined, clientRequest: undefined, fetch: undefined, dispatcher: undefined, replaced: null }

/**
 * What the app replaced, as of now, in that order: `{dispatcher}` (undici's global dispatcher, as
 * the undici 7 API takes it), `'http'`, `'fetch'`, or null when the network is Node's own.
 * @returns {'http' | 'fetch' | {dispatcher: object} | null}
 */
function replacedNetwork () {
  const request = http.request
  const secureRequest = https.request
  const clientRequest = http.ClientRequest
  const fetch = globalThis.fetch
  const dispatcher = globalThis[DISPATCHER_V1]
  if (request === seen.request && secureRequest === seen.secureRequest && clientRequest === seen.clientRequest &&
    fetch === seen.fetch && dispatcher === seen.dispatcher) return seen.replaced
  let replaced = null
  if (replacedDispatcher(dispatcher, globalThis[DISPATCHER_V2])) {
    replaced = { dispatcher }
  } else if (!isOwn(request, 'request') || !isOwn(secureRequest, 'secureRequest') || clientRequest !== NODE_CLIENT_REQUEST) {
    replaced = 'http'
  } else if (!isOwn(fetch, 'fetch')) {
    replaced = 'fetch'
  }
  Object.assign(seen, { request, secureRequest, clientRequest, fetch, dispatcher, replaced })
  return replaced
}

/**
 * Whether a request in `'auto'` mode goes through JavaScript now: under a test runner, or with
 * part of the network replaced.
 * @returns {boolean}
 */
function throughJavaScript () {
  return TEST_RUNNER !== null || replacedNetwork() !== null
}

/** Whether `fn` is Node's own `name` (through any observing wrappers). */
function isOwn (fn, name) {
  for (let depth = 0; typeof fn === 'function' && depth < 8; depth++) {
    if (IS_NODE ? matches(sourceOf(fn), NODE_SOURCES[name]) : fn === AT_LOAD[name]) return true
    // An observer: shimmer's wrappers call through to `__original`.
    if (fn.__wrapped !== true || typeof fn.__original !== 'function') return false
    fn = fn.__original
  }
  return false
}

function matches (source, pattern) {
  return typeof pattern === 'string' ? source.includes(pattern) : pattern.test(source)
}

function sourceOf (fn) {
  try {
    return Function.prototype.toString.call(fn)
  } catch {
    return ''
  }
}

/** Whether undici's global dispatcher is one the app set (a `MockAgent`, a proxy agent): not Node's own. */
function replacedDispatcher (v1, v2) {
  for (const dispatcher of [v1, v2]) {
    if (dispatcher !== undefined && dispatcher !== null && !NODE_DISPATCHERS.has(dispatcher.constructor && dispatcher.constructor.name)) return true
  }
  return false
}

module.exports = { TEST_RUNNER, testRunner, replacedNetwork, throughJavaScript }
