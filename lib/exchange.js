'use strict'

const native = require('../binding.js')
const { sdkError, fromNative } = require('./errors')
const { loadCredentials, loadCredentialsSync, credentialsOptions } = require('./credentials')
const { tokenTrace, tracingTarget } = require('./tracing')
const { routeFor, fetchTokenThrough } = require('./fetch-transport')
const { tracingOption } = require('./options')
const { trustFor } = require('./tls')

/** The configuration paths `@adobe/aemcs-api-client-lib` requires, in its order. */
const REQUIRED_PATHS = [
  'integration.imsEndpoint',
  'integration.org',
  'integration.id',
  'integration.technicalAccount.clientId',
  'integration.technicalAccount.clientSecret',
  'integration.metascopes',
  'integration.privateKey'
]

/**
 * `@adobe/aemcs-api-client-lib`'s `exchange`: service credentials in, IMS's JSON out
 * (`{token_type, access_token, expires_in}`, `expires_in` as IMS sent it: milliseconds from the
 * JWT exchange). Missing configuration is named, every path at once, in one INVALID_PARAM.
 * Loaded credentials (`loadCredentials`' result) are exchanged as they are.
 * @param {object | import('../binding').LoadedCredentials} config the service credentials, with the `integration` wrapper, or loaded credentials
 * @param {{passphrase?: string, ca?: string | Buffer | Array<string | Buffer>, proxy?: string, fetch?: Function,
 *   transport?: 'auto' | 'native' | 'fetch'}} [options]
 * @returns {Promise<{token_type: string, access_token: string, expires_in: number}>}
 */
async function exchange (config, options = {}) {
  const missing = config instanceof native.LoadedCredentials
    ? []
    : config !== null && typeof config === 'object'
      ? REQUIRED_PATHS.filter((path) => !path.split('.').reduce((node, key) => node && node[key], config))
      : REQUIRED_PATHS
  if (missing.length > 0) {
    throw sdkError('INVALID_PARAM', `The following configuration elements are missing: ${missing.join(',')}`, { problems: missing.map((p) => `${p} is missing`) })
  }
  const { passphrase, ca, proxy } = credentialsOptions(options) || {}
  const tracing = tracingOption(options, 'options.')
  const route = routeFor(options, 'options.', { ca, proxy })
  const trust = trustFor(ca)
  const loaded = await loadCredentials(config, { passphrase })
  return traced(loaded, tracing, async (trace) => {
    const token = await fetchTokenThrough(loaded, { trust, proxy, trace, raw: true }, route)
    const json = JSON.parse(token.raw)
    return { value: json, tokenType: json.token_type, lifetimeMs: token.expires, exchange: token.exchange }
  })
}

/**
 * Adobe's `getToken` for loaded credentials: a new exchange at IMS at every call (the
 * development token as it is), traced as a token fetch (lib/tracing.js).
 * @param {import('../binding').LoadedCredentials} loaded
 * @param {{trust: import('../binding').TrustOptions, proxy?: string, route: ReturnType<typeof routeFor>}} connection
 * @param {boolean} tracing whether OpenTelemetry may see it
 * @returns {Promise<{accessToken: string, type: string, expires: number}>}
 */
function fetchToken (loaded, { trust, proxy, route }, tracing) {
  return traced(loaded, tracing, async (trace) => {
    const token = await fetchTokenThrough(loaded, { trust, proxy, trace }, route)
    const value = { accessToken: token.accessToken, type: token.type, expires: token.expires }
    return { value, tokenType: token.type, lifetimeMs: token.expires, exchange: token.exchange }
  })
}

/**
 * Runs `request(trace)`, one token request for `loaded` (to IMS, or the development token),
 * traced as a token fetch: `trace` is the trace context for IMS when OpenTelemetry sees it,
 * header names and values in turn.
 * `request` resolves with `{value, tokenType, lifetimeMs, exchange}`; this resolves with `value`.
 */
function traced (loaded, tracing, request) {
  const trace = tokenTrace(tracing)
  const fetch = async () => {
    let traceHeaders
    if (trace !== null) {
      const url = native.tokenUrlOf(loaded)
      traceHeaders = trace.exchanging(loaded.kind, url, url === null ? null : tracingTarget(tracing, url))
    }
    let outcome
    try {
      outcome = await request(traceHeaders)
    } catch (error) {
      const failure = fromNative(error)
      if (trace !== null) trace.failed(failure, false)
      throw failure
    }
    if (trace !== null) trace.obtained(outcome.tokenType, Date.now() + outcome.lifetimeMs, outcome.exchange)
    return outcome.value
  }
  return trace === null ? fetch() : trace.run(fetch)
}

/**
 * Signs the service JWT that IMS exchanges for an access token, for callers that exchange it
 * elsewhere. With loaded credentials no key is parsed.
 * @param {object | import('../binding').LoadedCredentials} credentials service credentials, or loadCredentials' result
 * @param {{expiresIn?: number, passphrase?: string}} [options] `expiresIn` in seconds (default 300: the JWT is used once)
 * @returns {string}
 */
function signServiceJwt (credentials, options = {}) {
  const { expiresIn } = options || {}
  const { passphrase } = credentialsOptions(options) || {}
  if (expiresIn !== undefined && !(Number.isInteger(expiresIn) && expiresIn > 0 && expiresIn <= 0xffffffff)) {
    throw sdkError('INVALID_PARAM', 'expiresIn must be a positive whole number of seconds')
  }
  const loaded = loadCredentialsSync(credentials, { passphrase })
  try {
    return native.signServiceJwt(loaded, expiresIn)
  } catch (error) {
    throw fromNative(error)
  }
}

module.exports = { exchange, signServiceJwt, fetchToken }
