'use strict'

const { Readable } = require('node:stream')

/**
 * The fetch functions that carry requests through JavaScript (lib/fetch-transport.js calls them
 * one hop at a time): the client's own fetch, and in `'auto'` mode the one that reaches whatever
 * the app put in place of Node's network (lib/network.js decides what was replaced). Each answers
 * with the global `Response` the app knows, its body unread.
 */

const https = require('node:https')
const { replacedNetwork, TEST_RUNNER } = require('./network')

/** Statuses whose responses have no body (fetch's null body statuses). */
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

/** The proxy variables Node's own fetch does not read, and the native transport does. */
const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy']

/**
 * The fetch a client calls for `authFetch` and raw GETs, as its options choose it:
 * - their own `fetch`;
 * - `globalThis.fetch`, looked up at each request (where nock, msw and `MockAgent` see it), for
 *   `transport: 'fetch'`, and for the native transport when nothing below applies;
 * - with `ca`, `proxy`, or a proxy variable (`HTTPS_PROXY`, `HTTP_PROXY` with `NO_PROXY`, which
 *   the native transport honours and Node's fetch does not): the `undici` package's fetch over an
 *   agent that trusts exactly `ca` (as Node's `ca` does) and goes through that proxy.
 * Node decides the TLS trust in every case.
 * @param {{fetch?: Function}} options the client's options
 * @param {'supplied' | 'fetch' | 'native' | 'auto'} transport from `transportOf`
 * @param {{ca?: string | Buffer | Array<string | Buffer>, proxy?: string, verify: boolean}} connection
 * @returns {() => Function}
 */
function fetchOf (options, transport, connection) {
  if (transport === 'supplied') return () => options.fetch
  if (transport === 'fetch') return () => globalThis.fetch
  const own = ownFetch(connection)
  return transport === 'auto' ? autoFetch(own, connection) : own
}

/** The client's own fetch: `globalThis.fetch`, or undici's over an agent for `ca` and proxies. */
function ownFetch ({ ca, proxy, verify }) {
  const proxied = PROXY_VARIABLES.some((name) => process.env[name])
  if (ca === undefined && proxy === undefined && !proxied) return () => globalThis.fetch
  // The variables as they are when the client is built, as the native transport reads them.
  const environment = {
    httpProxy: process.env.HTTP_PROXY || process.env.http_proxy,
    httpsProxy: process.env.HTTPS_PROXY || process.env.https_proxy,
    noProxy: process.env.NO_PROXY ?? process.env.no_proxy ?? ''
  }
  let own = null
  return () => {
    if (own === null) {
      const undici = require('undici')
      const tls = { rejectUnauthorized: verify, ...(ca === undefined ? {} : { ca }) }
      const dispatcher = proxy !== undefined
        ? new undici.ProxyAgent({ uri: proxy, requestTls: tls })
        : proxied ? new undici.EnvHttpProxyAgent({ ...environment, connect: tls, requestTls: tls }) : new undici.Agent({ connect: tls })
      own = async (url, init) => asGlobalResponse(await undici.fetch(url, { ...init, dispatcher }))
    }
    return own
  }
}

/**
 * In `'auto'` mode, at each request: the fetch that reaches what the app replaced (see
 * lib/network.js); under a test runner with nothing replaced, node-fetch over Node's own
 * `https.request`, as Adobe's client sends (its words for every failure); else `own()`.
 */
function autoFetch (own, connection) {
  let overHttp = null
  const overDispatcher = new WeakMap()
  return () => {
    const replaced = replacedNetwork()
    if (replaced === 'fetch') return globalThis.fetch
    if (replaced === 'http' || (replaced === null && TEST_RUNNER !== null)) return overHttp || (overHttp = httpFetch(connection))
    if (replaced === null) return own()
    // The global dispatcher: a MockAgent or the app's proxy agent.
    let fetch = overDispatcher.get(replaced.dispatcher)
    if (fetch === undefined) {
      fetch = dispatcherFetch(replaced.dispatcher)
      overDispatcher.set(replaced.dispatcher, fetch)
    }
    return fetch
  }
}

/**
 * node-fetch 2 over `http.request` and `https.request` as they are at each call: what Adobe's
 * client and its `getToken` send with, so the same doubles see the request, with the same
 * headers, and fail it with the same errors (`request to URL failed, reason: …`). With `ca`, an
 * agent that trusts exactly it.
 */
function httpFetch ({ ca, verify }) {
  const nodeFetch = require('node-fetch')
  const agent = ca === undefined && verify ? undefined : new https.Agent({ ca, rejectUnauthorized: verify })
  return async (url, init) => {
    const options = withNodeBody(agent !== undefined && String(url).startsWith('https:') ? { ...init, agent } : init)
    return asGlobalResponse(await nodeFetch(url, options))
  }
}

/**
 * `init` with a body node-fetch 2 can send: a `Blob` (a file's range, read from disk) or a web
 * `ReadableStream` as a Node stream, a Blob with its `Content-Length`; others as given.
 */
function withNodeBody (init) {
  const body = init && init.body
  if (body === null || body === undefined || typeof body !== 'object') return init
  if (typeof body.getReader === 'function') return { ...init, body: Readable.fromWeb(body) }
  const kind = Object.prototype.toString.call(body)
  if (kind !== '[object Blob]' && kind !== '[object File]') return init
  const headers = new Headers(init.headers)
  if (!headers.has('content-length')) headers.set('content-length', String(body.size))
  return { ...init, headers: Object.fromEntries(headers), body: Readable.fromWeb(body.stream()) }
}

/** undici's fetch through `dispatcher` (a `MockAgent`, a proxy agent) the app set as the global one. */
function dispatcherFetch (dispatcher) {
  const undici = require('undici')
  return async (url, init) => asGlobalResponse(await undici.fetch(url, { ...init, dispatcher }))
}

/**
 * A response of another fetch stack (undici's package, node-fetch) as the global `Response` the
 * app knows (`instanceof Response` holds), its body the same stream, still unread.
 */
function asGlobalResponse (response) {
  if (response instanceof Response) return response
  const stream = response.body
  const body = NULL_BODY_STATUSES.has(response.status) || stream === null || stream === undefined
    ? null
    : typeof stream.getReader === 'function' ? stream : webStreamOf(stream)
  const global = new Response(body, { status: response.status, statusText: response.statusText, headers: [...response.headers] })
  Object.defineProperty(global, 'url', { value: response.url })
  Object.defineProperty(global, 'redirected', { value: response.redirected })
  return global
}

/**
 * A Node stream (node-fetch's body) as a web `ReadableStream`, read as it is pulled, and
 * destroyed when it is cancelled. Not `Readable.toWeb`: on Node 20 and 22 a chunk that arrives
 * after its stream was cancelled (an answer the client lets go unread, before a retry) throws
 * "Controller is already closed" where no one can catch it.
 */
function webStreamOf (stream) {
  let done = false
  const finish = (settle) => {
    if (done) return
    done = true
    settle()
  }
  return new ReadableStream({
    start (controller) {
      stream.on('data', (chunk) => {
        if (done) return
        controller.enqueue(typeof chunk === 'string' ? Buffer.from(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength))
        if (controller.desiredSize <= 0) stream.pause()
      })
      stream.on('end', () => finish(() => controller.close()))
      stream.on('error', (error) => finish(() => controller.error(error)))
      stream.pause()
    },
    pull () {
      stream.resume()
    },
    cancel () {
      done = true
      stream.destroy()
    }
  }, { highWaterMark: 1 })
}

module.exports = { fetchOf, NULL_BODY_STATUSES }
