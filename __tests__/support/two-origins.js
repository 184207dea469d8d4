'use strict'

// Two HTTPS origins on loopback for the differential test (__tests__/differential.test.js): AEM
// (with IMS at /ims/token/v3) and another origin, a CDN or blob store. Each records every request
// it receives. A request's path names its cell and scenario, `/…/c<cell>/<scenario>[/landed|
// /bounce]`, and the scenario decides the answer: redirects of every kind, bodies over the limit,
// a 401 for the first token, a signed URL, a max-age of 2^63, a 200 that is not JSON. IMS reads
// both from the client id, `c<cell>-<scenario>`.

const https = require('node:https')
const { createTlsCertificate } = require('../../emulator/tls')

/** A JSON answer every entry point takes: GraphQL `data`, and one page of `items`. */
const OK = JSON.stringify({ data: { ok: true }, items: [1] })
/** What every redirect-free answer carries, so that a wrong one would be kept. */
const CACHEABLE = { 'content-type': 'application/json', 'cache-control': 'max-age=60' }
/** A URL signature and AWS SigV4 fields, none of which may show anywhere. */
const SIGNATURE = 'sig=SECRET-SIG&X-Amz-Signature=SECRET-AMZ&X-Amz-Credential=SECRET-CRED&X-Amz-Security-Token=SECRET-STS'
const HUGE_MAX_AGE = 'max-age=9223372036854775807, stale-while-revalidate=9223372036854775807, stale-if-error=9223372036854775807'
/**
 * How many bytes the answers over the limit would send (the clients allow 64 KiB): far more than
 * loopback's socket buffers hold (a few MiB), so that what a client never read is never sent.
 */
const HUGE_BYTES = 64 * 1024 * 1024

/** The cell and scenario a path names, and whether it is a redirect's landing or bounce. */
function parse (url) {
  const match = /\/c(\d+)\/([a-z-]+)(\/landed|\/bounce)?/.exec(url)
  return match === null ? null : { cell: Number(match[1]), scenario: match[2], stage: match[3] ? match[3].slice(1) : 'first' }
}

/** Starts both origins; `close()` stops them. */
async function startTwoOrigins () {
  const tls = await createTlsCertificate()
  const seen = []
  const tokens = new Map()
  const origins = {}
  const listen = (name, handle) => new Promise((resolve) => {
    const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
      const chunks = []
      req.on('data', (chunk) => chunks.push(chunk))
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString()
        const client = clientOf(body)
        const path = parse(req.url)
        const where = path !== null ? { ...path, exchange: req.url.startsWith('/ims/') } : client
        const hop = { origin: name, method: req.method, url: req.url, headers: req.headers, body, ...where, sent: 0, closed: false }
        seen.push(hop)
        res.on('close', () => { hop.closed = true })
        handle(req, res, body, where, hop)
      })
    })
    server.listen(0, '127.0.0.1', () => {
      origins[name] = { url: `https://127.0.0.1:${server.address().port}`, server }
      resolve()
    })
  })
  const send = (res, status, headers, body = '') => {
    res.writeHead(status, headers)
    res.end(body)
  }
  const redirect = (res, status, location) => send(res, status, { location, 'cache-control': 'max-age=60' })
  const landing = (req) => req.url.split('?')[0] + '/landed'

  await listen('aem', (req, res, body, where, hop) => {
    if (req.url.startsWith('/ims/')) return ims(req, res, body, where, hop)
    if (where === null || where.stage !== 'first') return send(res, 200, CACHEABLE, OK)
    const other = `${origins.other.url}/c${where.cell}/${where.scenario}`
    switch (where.scenario) {
      case 'same-origin': return redirect(res, 307, landing(req))
      case 'cross-origin': return redirect(res, 307, `${other}/landed`)
      case 'a-b-a': return redirect(res, 302, `${other}/bounce`)
      case 'see-other': return redirect(res, 303, landing(req))
      case 'temporary': return redirect(res, 307, landing(req))
      case 'permanent': return redirect(res, 308, landing(req))
      case 'data': return redirect(res, 302, 'data:application/json,{"data":{"forged":true},"items":[]}')
      case 'signed': return redirect(res, 302, `${other}/landed?${SIGNATURE}`)
      case 'huge': return streamHuge(res, hop)
      case 'unauthorized':
        return req.headers.authorization === 'Bearer token-1' ? send(res, 401, {}) : send(res, 200, CACHEABLE, OK)
      case 'max-age-huge': return send(res, 200, { 'content-type': 'application/json', 'cache-control': HUGE_MAX_AGE }, OK)
      case 'non-json': return send(res, 200, CACHEABLE, '[not json]')
      default: return send(res, 200, CACHEABLE, OK)
    }
  })
  await listen('other', (req, res, body, where) => {
    if (where !== null && where.stage === 'bounce') return redirect(res, 302, `${origins.aem.url}/c${where.cell}/${where.scenario}/landed`)
    if (where !== null && where.scenario === 'signed') return send(res, 403, { 'content-type': 'text/plain' }, 'the signature has expired')
    send(res, 200, CACHEABLE, OK)
  })

  /**
   * IMS: a token `token-<n>` per exchange of a cell, or, for the token exchange's own cells
   * (client id `i<cell>-<scenario>`), what the scenario says.
   */
  function ims (req, res, body, where, hop) {
    const token = () => {
      const count = (tokens.get(where.cell) || 0) + 1
      tokens.set(where.cell, count)
      send(res, 200, { 'content-type': 'application/json' }, JSON.stringify({ access_token: `token-${count}`, token_type: 'bearer', expires_in: 86399 }))
    }
    if (where === null) return send(res, 400, { 'content-type': 'application/json' }, '{"error":"invalid_request"}')
    if (where.stage === 'landed') return req.method === 'POST' ? token() : send(res, 405, { 'content-type': 'application/json' }, '{"error":"method_not_allowed"}')
    // An AEM cell's IMS gives tokens; the token exchange's own cells play the scenario.
    if (!where.exchange) return token()
    const here = `/ims/token/v3/c${where.cell}/${where.scenario}/landed`
    const other = `${origins.other.url}/ims/token/v3/c${where.cell}/${where.scenario}`
    switch (where.scenario) {
      case 'same-origin': case 'temporary': return redirect(res, 307, here)
      case 'permanent': return redirect(res, 308, here)
      case 'see-other': return redirect(res, 303, here)
      case 'cross-origin': case 'a-b-a': return redirect(res, 307, other)
      case 'signed': return redirect(res, 307, `${other}?${SIGNATURE}`)
      case 'data': return redirect(res, 302, 'data:application/json,{"access_token":"forged"}')
      case 'huge': return streamHuge(res, hop)
      case 'unauthorized': return send(res, 401, { 'content-type': 'application/json' }, '{"error":"invalid_client","error_description":"invalid client_secret parameter"}')
      case 'non-json': return send(res, 200, { 'content-type': 'application/json' }, '[not json]')
      default: return token()
    }
  }

  return {
    aem: origins.aem.url,
    other: origins.other.url,
    caPem: tls.caPem,
    seen,
    /** The requests of cell `cell`, in order. */
    of: (cell) => seen.filter((request) => request.cell === cell),
    close: () => Promise.all(Object.values(origins).map(({ server }) => new Promise((resolve) => {
      server.closeAllConnections()
      server.close(resolve)
    })))
  }
}

/**
 * A 200 of HUGE_BYTES of JSON, in chunks, without Content-Length, as fast as the client reads:
 * the limit holds as it streams. `hop.sent` counts what was written.
 */
function streamHuge (res, hop) {
  res.writeHead(200, { 'content-type': 'application/json' })
  const chunk = Buffer.alloc(64 * 1024, 0x20)
  const pump = () => {
    while (hop.sent < HUGE_BYTES) {
      if (res.destroyed) return
      hop.sent += chunk.length
      if (!res.write(chunk)) return res.once('drain', pump)
    }
    res.end('{}')
  }
  res.write('{"pad":"')
  pump()
}

/**
 * The cell and scenario of a token request, from its client id: `c<cell>-<scenario>` for an AEM
 * cell's provider, `i<cell>-<scenario>` for the token exchange's own cells (`exchange`).
 */
function clientOf (body) {
  const match = /^([ci])(\d+)-([a-z-]+)$/.exec(new URLSearchParams(body).get('client_id') || '')
  return match === null ? null : { cell: Number(match[2]), scenario: match[3], stage: 'first', exchange: match[1] === 'i' }
}

module.exports = { startTwoOrigins, SIGNATURE, HUGE_BYTES }
