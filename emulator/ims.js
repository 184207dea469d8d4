'use strict'

/**
 * Adobe IMS routes: the JWT exchange (and OAuth Server-to-Server client credentials).
 * @module emulator/ims
 */

const crypto = require('node:crypto')
const { sendJson, splitUrl } = require('./http')

const CLOCK_SKEW_S = 30

/** @returns {{error: string, error_description: string}} */
function imsError (error, description) {
  return { error, error_description: description }
}

/** Decodes one base64url JWT segment to JSON, or throws. */
function decodeSegment (segment) {
  if (!/^[A-Za-z0-9_-]+$/.test(segment)) throw new Error('bad base64url')
  const value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'))
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object')
  return value
}

/**
 * Checks a signed JWT the way IMS does for `/ims/exchange/jwt`.
 * @param {string} jwt
 * @param {{publicKey: crypto.KeyObject, integration: object}} ctx
 * @returns {{error: string, error_description: string}|null} null when the JWT is acceptable
 */
function checkJwt (jwt, { publicKey, integration }) {
  const parts = jwt.split('.')
  let header, claims
  try {
    if (parts.length !== 3) throw new Error('not three parts')
    header = decodeSegment(parts[0])
    claims = decodeSegment(parts[1])
    if (header.alg !== 'RS256' || !/^[A-Za-z0-9_-]+$/.test(parts[2])) throw new Error('bad header')
  } catch {
    return imsError('invalid_token', 'Could not parse JWT')
  }
  const signed = Buffer.from(parts[0] + '.' + parts[1])
  if (!crypto.verify('RSA-SHA256', signed, publicKey, Buffer.from(parts[2], 'base64url'))) {
    return imsError('invalid_token', 'Could not match JWT signature to any of the bindings')
  }
  const { imsEndpoint, org, id, metascopes, technicalAccount } = integration
  const expected = { iss: org, sub: id, aud: `https://${imsEndpoint}/c/${technicalAccount.clientId}` }
  for (const [claim, value] of Object.entries(expected)) {
    const actual = claims[claim]
    if (actual !== value && !(Array.isArray(actual) && actual.includes(value))) {
      return imsError('invalid_token', `JWT token has an invalid '${claim}' claim`)
    }
  }
  if (typeof claims.exp !== 'number' || claims.exp + CLOCK_SKEW_S < Date.now() / 1000) {
    return imsError('invalid_token', 'JWT token is expired')
  }
  if (claims[`https://${imsEndpoint}/s/${metascopes}`] !== true) {
    return imsError('invalid_scope', 'JWT token is missing the metascope claims')
  }
  return null
}

/**
 * Checks client_id and client_secret form fields against the credentials.
 * @returns {{status: number, body: object}|null} an error response, or null when they match
 */
function checkClient (form, technicalAccount) {
  if (form.get('client_id') !== technicalAccount.clientId) {
    return { status: 400, body: imsError('invalid_client', 'invalid client_id parameter') }
  }
  if (form.get('client_secret') !== technicalAccount.clientSecret) {
    return { status: 401, body: imsError('invalid_client', 'invalid client_secret parameter') }
  }
  return null
}

/**
 * Creates the IMS request handler.
 * @param {object} ctx
 * @param {object} ctx.integration the `integration` part of the service credentials
 * @param {crypto.KeyObject} ctx.publicKey the technical account's public key
 * @param {{issue: (ms?: number) => string}} ctx.tokens the token store
 * @param {{exchanges: number, oauthTokens: number}} ctx.stats counters, updated in place
 * @param {{failNext: number, delayMs?: number}} [ctx.faults] while `failNext` > 0, token requests fail
 *   with a 503; every answer comes `delayMs` late
 * @param {number | (() => number)} ctx.tokenLifetimeMs lifetime of issued tokens, or a function giving the
 *   current one (read at every issue, so that it can change at runtime)
 * @returns {(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, body: string) => void}
 */
function createImsHandler (ctx) {
  const { integration, tokens, stats } = ctx
  const lifetimeMs = typeof ctx.tokenLifetimeMs === 'function' ? ctx.tokenLifetimeMs : () => ctx.tokenLifetimeMs

  function exchangeJwt (form) {
    stats.exchanges++
    const clientError = checkClient(form, integration.technicalAccount)
    if (clientError) return clientError
    const jwt = form.get('jwt_token')
    if (!jwt) return { status: 400, body: imsError('invalid_request', 'missing jwt_token parameter') }
    const jwtError = checkJwt(jwt, ctx)
    if (jwtError) return { status: 400, body: jwtError }
    const tokenLifetimeMs = lifetimeMs()
    const accessToken = tokens.issue(tokenLifetimeMs, { client_id: integration.technicalAccount.clientId, user_id: integration.id, scope: integration.metascopes })
    return { status: 200, body: { token_type: 'bearer', access_token: accessToken, expires_in: tokenLifetimeMs } }
  }

  function clientCredentials (form) {
    stats.oauthTokens++
    if (form.get('grant_type') !== 'client_credentials') {
      return { status: 400, body: imsError('unsupported_grant_type', 'unsupported grant_type parameter') }
    }
    const clientError = checkClient(form, integration.technicalAccount)
    if (clientError) return clientError
    const tokenLifetimeMs = lifetimeMs()
    const accessToken = tokens.issue(tokenLifetimeMs, { client_id: form.get('client_id'), user_id: integration.id, scope: form.get('scope') || '' })
    const expiresIn = Math.floor(tokenLifetimeMs / 1000)
    return { status: 200, body: { access_token: accessToken, token_type: 'bearer', expires_in: expiresIn } }
  }

  const routes = { '/ims/exchange/jwt': exchangeJwt, '/ims/token/v3': clientCredentials }

  /** An injected outage: IMS's 503 for the next `ctx.faults.failNext` token requests. */
  function outage (route) {
    return (form) => {
      if (!ctx.faults || ctx.faults.failNext <= 0) return route(form)
      ctx.faults.failNext--
      if (route === exchangeJwt) stats.exchanges++
      else stats.oauthTokens++
      return { status: 503, body: imsError('internal_error', 'Please try again later') }
    }
  }
  for (const path of Object.keys(routes)) routes[path] = outage(routes[path])

  return function handleIms (req, res, body) {
    const headers = { 'x-debug-id': crypto.randomUUID() }
    const route = routes[splitUrl(req.url).path]
    if (!route) return sendJson(res, 404, imsError('not_found', 'Not found'), headers)
    if (req.method !== 'POST') return sendJson(res, 405, imsError('invalid_request', 'Method not allowed'), headers)
    const { status, body: answer } = route(new URLSearchParams(body))
    const delayMs = (ctx.faults && ctx.faults.delayMs) || 0
    if (delayMs > 0) setTimeout(() => sendJson(res, status, answer, headers), delayMs)
    else sendJson(res, status, answer, headers)
  }
}

module.exports = { createImsHandler, checkJwt }
