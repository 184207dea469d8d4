'use strict'

/**
 * What AEM sends around a persisted query's answer: `Cache-Control` and `Surrogate-Control` (the
 * tier's defaults, or those persisted with the query), an `ETag` and `Last-Modified` with 304 for
 * conditional GETs, and the `responseContentTypeGraphQLResponseJson` mode (400/500
 * `application/graphql-response+json` for answers with GraphQL `errors`).
 * @module emulator/caching
 */

const { createHash } = require('node:crypto')
const { JSON_TYPE } = require('./http')

const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json;charset=utf-8'

/**
 * AEM's defaults per tier (Experience League, "Persisted GraphQL queries", caching): the browser's
 * `max-age` goes to `Cache-Control`, the CDN's `s-maxage`, `stale-while-revalidate` and
 * `stale-if-error` to `Surrogate-Control` (where the CDN's `s-maxage` is written `max-age`).
 */
const TIER_DEFAULTS = {
  publish: { maxAge: 60, surrogate: { 'max-age': 7200, 'stale-while-revalidate': 86400, 'stale-if-error': 86400 } },
  author: { maxAge: 60, surrogate: { 'max-age': 60, 'stale-while-revalidate': 86400, 'stale-if-error': 86400 } }
}

/** The directives `surrogate-control` may carry when a query is persisted, in the order they are sent. */
const SURROGATE_DIRECTIVES = ['max-age', 'stale-while-revalidate', 'stale-if-error']

/**
 * @typedef {object} CachePolicy what a persisted query sets in place of the tier's defaults
 * @property {number} [maxAge] `Cache-Control: max-age`
 * @property {Record<string, number>} [surrogate] some of `Surrogate-Control`'s `max-age`,
 *   `stale-while-revalidate`, `stale-if-error`
 */

/**
 * The defaults every persisted query gets: the tier's, each replaced by a value of `override` (what
 * AEM's Persisted Query Service configuration sets for the whole instance).
 * @param {'publish'|'author'} tier
 * @param {CachePolicy} [override]
 * @returns {{maxAge: number, surrogate: Record<string, number>}}
 */
function defaultPolicy (tier, override = {}) {
  const defaults = TIER_DEFAULTS[tier]
  return {
    maxAge: override.maxAge === undefined ? defaults.maxAge : override.maxAge,
    surrogate: { ...defaults.surrogate, ...override.surrogate }
  }
}

/**
 * `Cache-Control` and `Surrogate-Control` for a cacheable persisted-query answer.
 * @param {{maxAge: number, surrogate: Record<string, number>}} defaults see defaultPolicy
 * @param {CachePolicy} [policy] the query's own values, each replacing the default
 * @returns {Record<string, string>}
 */
function cacheHeaders (defaults, policy = {}) {
  const maxAge = policy.maxAge === undefined ? defaults.maxAge : policy.maxAge
  const surrogate = { ...defaults.surrogate, ...policy.surrogate }
  return {
    'cache-control': `max-age=${maxAge}`,
    'surrogate-control': SURROGATE_DIRECTIVES.map((name) => `${name}=${surrogate[name]}`).join(', ')
  }
}

/** @param {string} body @returns {string} a strong entity tag: a quoted hash of the body */
function etagOf (body) {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`
}

/** The opaque part of an entity tag, for the weak comparison: `W/"x"` and `"x"` both give `"x"`. */
function opaque (tag) {
  return tag.replace(/^W\//, '')
}

/**
 * Whether an `If-None-Match` value matches the current entity tag: `*`, or any listed tag equal to
 * it under the weak comparison (RFC 9110 §13.1.2).
 * @param {string} header
 * @param {string} etag
 */
function noneMatchMatches (header, etag) {
  if (header.trim() === '*') return true
  const tags = header.match(/(?:W\/)?"[^"]*"/g) || []
  return tags.some((tag) => opaque(tag) === opaque(etag))
}

/**
 * Whether a GET with these request headers is answered 304 (RFC 9110 §13.2.2): `If-None-Match`
 * when present (then `If-Modified-Since` is ignored), else `If-Modified-Since` (a valid date not in
 * the future) at or after `Last-Modified`.
 * @param {import('node:http').IncomingHttpHeaders} headers
 * @param {string|undefined} etag
 * @param {number|undefined} lastModified milliseconds
 */
function isNotModified (headers, etag, lastModified) {
  const noneMatch = headers['if-none-match']
  if (noneMatch !== undefined) return etag !== undefined && noneMatchMatches(noneMatch, etag)
  const since = headers['if-modified-since']
  if (since === undefined || lastModified === undefined) return false
  const date = Date.parse(since)
  if (Number.isNaN(date) || date > Date.now()) return false
  return Math.floor(lastModified / 1000) <= Math.floor(date / 1000)
}

/**
 * The status a GraphQL result with `errors` gets in the graphql-response+json mode: 400 for
 * request errors (the query or its variables are invalid: graphql-js gives no `data`, graphql-java
 * says `classification: ValidationError`), 500 for errors while executing (there is `data`).
 * null when the result has no errors.
 * @param {unknown} json
 * @returns {400|500|null}
 */
function graphqlErrorStatus (json) {
  if (!json || typeof json !== 'object' || !Array.isArray(json.errors) || json.errors.length === 0) return null
  const validation = json.errors.some((e) => e && e.extensions && e.extensions.classification === 'ValidationError')
  return validation || !('data' in json) ? 400 : 500
}

/**
 * Finishes a persisted query's answer as AEM does. A 200 with a JSON body (a GraphQL result) gets
 * the cache headers when `answer.cache` (true: the defaults; an object: the query's over them);
 * every 200 gets `ETag` (a hash of the body, or `answer.etag`; none when that is null) and
 * `Last-Modified` (`answer.lastModified`, else `since`; none when null). GET and HEAD are then
 * answered 304 when their validators match. In the graphql-response+json mode GraphQL results
 * carry that type, and those with `errors` become 400/500 without cache headers or validators.
 * @param {import('node:http').IncomingMessage} req
 * @param {import('./persisted').Answer} answer
 * @param {{defaults: {maxAge: number, surrogate: Record<string, number>}, graphqlResponseJson: boolean, since: number}} options
 *   `defaults`: see defaultPolicy
 * @returns {import('./persisted').Answer} `status: 304` and no body when not modified
 */
function finishPersisted (req, answer, { defaults, graphqlResponseJson, since }) {
  if (answer.status !== 200) return answer
  const isGraphql = answer.json !== undefined
  let { text, contentType } = answer
  if (isGraphql) {
    text = JSON.stringify(answer.json)
    contentType = graphqlResponseJson ? GRAPHQL_RESPONSE_TYPE : JSON_TYPE
    const errorStatus = graphqlResponseJson ? graphqlErrorStatus(answer.json) : null
    if (errorStatus) return { status: errorStatus, text, contentType, headers: answer.headers }
  }
  const headers = { ...answer.headers }
  if (isGraphql && answer.cache) Object.assign(headers, cacheHeaders(defaults, answer.cache === true ? {} : answer.cache))
  const etag = answer.etag === undefined ? etagOf(text) : answer.etag === null ? undefined : answer.etag
  const lastModified = answer.lastModified === undefined ? since : answer.lastModified === null ? undefined : answer.lastModified
  if (etag !== undefined) headers.etag = etag
  if (lastModified !== undefined) headers['last-modified'] = new Date(lastModified).toUTCString()
  if ((req.method === 'GET' || req.method === 'HEAD') && isNotModified(req.headers, etag, lastModified)) {
    return { status: 304, headers }
  }
  return { status: 200, text, contentType, headers }
}

module.exports = {
  defaultPolicy, cacheHeaders, etagOf, noneMatchMatches, isNotModified, graphqlErrorStatus, finishPersisted,
  TIER_DEFAULTS, SURROGATE_DIRECTIVES, GRAPHQL_RESPONSE_TYPE
}
