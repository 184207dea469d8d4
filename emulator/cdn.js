'use strict'

/**
 * AEM's CDN in front of the publish tier, when the `cdn` option asks for it: a persisted query's
 * 200 is kept by its URL (with or without `Authorization`, as the case this emulates: AEM's CDN
 * keeping persisted-query answers) for the `max-age` of its `Surrogate-Control` (or `s-maxage`),
 * and served with `Age` and `X-Cache: HIT` (a 304 for a matching `If-None-Match`) until then.
 * Nothing purges it on publish; a `PURGE` of the URL with the `X-AEM-Purge-Key` does, as AEM's
 * CDN purge API does: the copy is removed, or with `X-AEM-Purge: soft` only marked stale, and
 * then still served once more (`X-Cache: STALE`) while the CDN fetches AEM's answer. A wrong or
 * missing key answers 403.
 * @module emulator/cdn
 */

const crypto = require('node:crypto')

const PERSISTED = '/graphql/execute.json/'

/** @param {{purgeKey?: string}} options */
function createCdn ({ purgeKey = crypto.randomBytes(16).toString('hex') } = {}) {
  const kept = new Map()
  const stats = { hits: 0, misses: 0, purges: 0 }

  /** Answers a PURGE, or a GET the CDN holds fresh; false for what goes on to AEM. */
  function serve (req, res) {
    if (!req.url.startsWith(PERSISTED)) return false
    if (req.method === 'PURGE') {
      if (req.headers['x-aem-purge-key'] !== purgeKey) {
        res.writeHead(403, { 'content-type': 'application/json' })
        res.end('{"status":"forbidden"}')
        return true
      }
      stats.purges += 1
      const entry = kept.get(req.url)
      if (String(req.headers['x-aem-purge'] || '').toLowerCase() === 'soft') {
        if (entry) entry.stale = true
      } else {
        kept.delete(req.url)
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ status: 'ok', id: crypto.randomUUID() }))
      return true
    }
    if (req.method !== 'GET') return false
    const entry = kept.get(req.url)
    if (!entry || entry.until <= Date.now()) return false
    stats.hits += 1
    // Soft-purged: served stale this once; the next request gets AEM's answer.
    if (entry.stale) kept.delete(req.url)
    const cache = entry.stale ? 'STALE' : 'HIT'
    const age = String(Math.floor((Date.now() - entry.storedAt) / 1000))
    const etag = entry.headers.etag
    if (etag !== undefined && req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag, age, 'x-cache': cache })
      res.end()
      return true
    }
    res.writeHead(entry.status, { ...entry.headers, age, 'x-cache': cache })
    res.end(entry.body)
    return true
  }

  /**
   * The response AEM's answer to `req` goes through: a persisted query's 200 is kept as it goes
   * to the client. The CDN asks AEM for the whole answer (no `If-None-Match`), so that it has
   * one to keep.
   */
  function record (req, res) {
    if (req.method !== 'GET' || !req.url.startsWith(PERSISTED)) return res
    stats.misses += 1
    const conditional = req.headers['if-none-match']
    delete req.headers['if-none-match']
    delete req.headers['if-modified-since']
    let status
    let headers
    return {
      get headersSent () { return res.headersSent },
      on: (...args) => res.on(...args),
      writeHead (code, all = {}) {
        status = code
        headers = Object.fromEntries(Object.entries(all).map(([name, value]) => [name.toLowerCase(), value]))
        return this
      },
      end (payload) {
        const lifetime = lifetimeOf(headers || {})
        if (status === 200 && lifetime > 0) kept.set(req.url, { status, headers, body: payload, storedAt: Date.now(), until: Date.now() + lifetime * 1000 })
        const etag = headers && headers.etag
        if (status === 200 && conditional !== undefined && etag !== undefined && conditional === etag) {
          res.writeHead(304, { etag, 'x-cache': 'MISS' })
          return res.end()
        }
        res.writeHead(status, { ...headers, 'x-cache': 'MISS' })
        return res.end(payload)
      }
    }
  }

  return { serve, record, stats, purgeKey, clear () { kept.clear() } }
}

/** The CDN's lifetime of an answer, in seconds: `Surrogate-Control`'s max-age, else `s-maxage`. */
function lifetimeOf (headers) {
  const surrogate = /(?:^|,)\s*max-age=(\d+)/.exec(String(headers['surrogate-control'] || ''))
  if (surrogate) return Number(surrogate[1])
  const shared = /(?:^|,)\s*s-maxage=(\d+)/.exec(String(headers['cache-control'] || ''))
  return shared ? Number(shared[1]) : 0
}

module.exports = { createCdn }
