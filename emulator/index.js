'use strict'

/**
 * A local HTTPS emulator of Adobe IMS and an AEM Publish tier, for tests and local development.
 * AEM side: built-in persisted queries and error fixtures, persisting (`persist.json`) and listing
 * (`list.json`) queries, and GraphQL over 16 adventures and 57 articles (List, Paginated, ByPath).
 * Persisted queries are kept in memory, one set per started emulator, and answered with AEM's
 * `Cache-Control` / `Surrogate-Control` (per tier), `ETag` and `Last-Modified` (emulator/caching.js).
 * Sites API (`/adobe/sites`): content fragments, a batch job, and an asset redirect to a second
 * origin, the blob store. AEM outages (503, no answer, refused connections): `setAemOutage`.
 * Routes: see README.md.
 * @module emulator
 */

const https = require('node:https')
const fs = require('node:fs')
const path = require('node:path')
const { createTlsCertificate, createRsaKeyPair } = require('./tls')
const { createCredentials } = require('./credentials')
const { createTokenStore } = require('./tokens')
const { createImsHandler } = require('./ims')
const { createAemHandler } = require('./aem')
const { createSitesFaults } = require('./sites')
const { startBlobStore } = require('./blob-store')
const { readBody, send, sendJson } = require('./http')
const { DISPATCHER_503 } = require('./faults')

const HOST = '127.0.0.1'
const DAY_MS = 24 * 60 * 60 * 1000
const TIERS = ['publish', 'author']
const OUTAGE_MODES = [null, '503', 'hang', 'refuse']

/**
 * @typedef {object} EmulatorOptions
 * @property {number} [port=0] port to listen on; 0 picks a free one. 443 (as root) gives `imsEndpoint: 'localhost'`
 * @property {number} [tokenLifetimeMs=86399999] lifetime of tokens from the IMS routes (`/ims/exchange/jwt`
 *   reports it as `expires_in` in ms, `/ims/token/v3` as whole seconds, rounded down)
 * @property {number} [tokenLifetimeSeconds] the same in seconds (fractions allowed); wins over
 *   `tokenLifetimeMs` when given. RangeError unless a positive finite number
 * @property {boolean} [requireAuth=true] answer AEM requests without Authorization with 401
 * @property {[string, string]} [basicAuth=['admin','admin']] accepted Basic user and password
 * @property {'ca-signed'|'self-signed'|'expired'|'wrong-host'|'expired-self-signed'} [certificate='ca-signed']
 *   the server certificate: a leaf signed by the emulator's own CA, an `openssl req -x509`-style
 *   self-signed CA:TRUE certificate, an expired leaf, a leaf for another host name, or the
 *   self-signed one expired (see emulator/tls.js)
 * @property {'publish'|'author'} [tier='publish'] the AEM tier whose default cache headers persisted
 *   queries get: both `Cache-Control: max-age=60`; `Surrogate-Control: max-age=7200,
 *   stale-while-revalidate=86400, stale-if-error=86400` on Publish, `max-age=60, …` on Author
 * @property {boolean} [surrogateControl=true] false drops `Surrogate-Control` from every AEM answer,
 *   as a CDN that consumes it does before the answer reaches a server-side client
 * @property {boolean} [graphqlResponseJson=false] AEM's `responseContentTypeGraphQLResponseJson`:
 *   persisted-query GraphQL results are `application/graphql-response+json`, and those with `errors`
 *   answer 400 (invalid query or variables: no `data`, or a `ValidationError`) or 500 (errors while
 *   executing) instead of 200
 */

/**
 * @typedef {object} Emulator
 * @property {string} url base URL, e.g. `https://127.0.0.1:43210` (`https://127.0.0.1` on 443)
 * @property {number} port
 * @property {string} host always `127.0.0.1`
 * @property {string} imsEndpoint `127.0.0.1:PORT`, or `localhost` on port 443
 * @property {string} caPem PEM to trust: the emulator's CA, or the certificate itself in the self-signed modes
 * @property {object} credentials service credentials as the AEM Developer Console gives them
 * @property {{ok: true, statusCode: 200, accessToken: string}} devToken a local development token (24 h),
 *   shaped as IMS shapes it: a JWT with `created_at` and `expires_in` in milliseconds, as strings
 * @property {(dir: string) => {credentialsFile: string, devTokenFile: string, caFile: string}} writeFiles
 *   writes `service-credentials.json`, `dev-token.json` and `ca.pem` into `dir` (created if missing)
 * @property {Array<{method: string, url: string, headers: object, body: string, traceparent?: string}>} requests every
 *   request received, `url` raw as received, `traceparent` the W3C trace context it carried, if any
 * @property {() => void} clearRequests empties `requests`
 * @property {{exchanges: number, oauthTokens: number, persistedQueries: number, notModified: number,
 *   outageAnswers: number}} stats calls to `/ims/exchange/jwt` and `/ims/token/v3`; requests for
 *   `/graphql/execute.json/…` (any method, faults and 401s included) that reached AEM (not those an
 *   outage met); the 304s among them; and the AEM requests a '503' or 'hang' outage met
 * @property {(count?: number) => void} failNextTokenRequests the next `count` IMS token requests (either
 *   route) answer 503 `internal_error` ("Please try again later"), as IMS does in an outage
 * @property {(ms: number) => void} delayTokenRequests IMS answers every token request (either route)
 *   `ms` milliseconds late from then on (0 to stop), as a slow IMS does; counted as it arrives
 * @property {(seconds: number) => void} setTokenLifetime sets the lifetime of the tokens that both IMS
 *   routes (and `issueToken()` without argument) issue from then on; tokens issued before keep theirs.
 *   Seconds, fractions allowed; RangeError unless a positive finite number
 * @property {(lifetimeMs?: number) => string} issueToken a new valid access token (default: the current
 *   token lifetime)
 * @property {(token: string) => boolean} revokeToken makes a token invalid (AEM then answers 401)
 * @property {string} apiKey the `X-Api-Key` the Sites API (`/adobe/sites`) requires: the credentials'
 *   client id (`credentials.integration.technicalAccount.clientId`)
 * @property {{url: string, port: number, requests: Array<{method: string, url: string, headers: object}>,
 *   clearRequests: () => void}} blobStore the second HTTPS origin (127.0.0.1, its own port, the same
 *   certificate) that `GET /adobe/sites/cf/fragments/{id}/asset` redirects to; `requests` records every
 *   request it received, headers included
 * @property {(count?: number, options?: {status?: number, retryAfter?: number|string|null, path?: string,
 *   method?: string}) => void} failNextSitesRequests the next `count` (default 1) Sites API requests
 *   under `path` (a raw path prefix, default `/adobe/sites`), of `method` if given, answer `status`
 *   (default 503; 400 … 599) problem+json with `Retry-After: retryAfter` (default 1; null for none).
 *   Counted after authorization; rules queue up
 * @property {() => void} clearSitesFaults forgets the pending `failNextSitesRequests` faults
 * @property {(mode: null|'503'|'hang'|'refuse') => Promise<void>} setAemOutage an AEM outage from
 *   now on: `'503'` every AEM request (not IMS, not the blob store) answers 503 with a Dispatcher
 *   HTML page and no `Retry-After`; `'hang'` AEM requests get no answer (their connections are
 *   dropped when the outage ends or the emulator closes); `'refuse'` the server stops listening and
 *   drops every open connection, so connections are refused (IMS, on the same server, is down too);
 *   `null` ends it (after 'refuse', listening again on the same port). Resolves once in effect;
 *   RangeError for another mode
 * @property {null|'503'|'hang'|'refuse'} aemOutage the current outage mode
 * @property {() => Promise<void>} close stops both servers and drops every open connection
 */

/** Milliseconds from a lifetime in seconds; throws a RangeError unless it is a positive finite number. */
function secondsToMs (seconds, what) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new RangeError(`${what} must be a positive number of seconds, got ${String(seconds)}`)
  }
  return Math.max(1, Math.round(seconds * 1000))
}

/** Listens on HOST:port and resolves with the actual port. */
function listen (server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, HOST, () => {
      server.off('error', reject)
      resolve(server.address().port)
    })
  })
}

/**
 * Starts the emulator. Certificates and credentials are made fresh at every start.
 * @param {EmulatorOptions} [options]
 * @returns {Promise<Emulator>}
 */
async function startEmulator (options = {}) {
  const {
    port: wantedPort = 0,
    tokenLifetimeMs: lifetimeMsOption = 86399999,
    tokenLifetimeSeconds,
    requireAuth = true,
    basicAuth = ['admin', 'admin'],
    certificate = 'ca-signed',
    tier = 'publish',
    surrogateControl = true,
    graphqlResponseJson = false
  } = options
  if (!TIERS.includes(tier)) throw new RangeError(`tier must be 'publish' or 'author', got ${String(tier)}`)

  const requests = []
  const stats = { exchanges: 0, oauthTokens: 0, persistedQueries: 0, notModified: 0, outageAnswers: 0 }
  const faults = { failNext: 0, delayMs: 0 }
  let tokenLifetimeMs = tokenLifetimeSeconds === undefined
    ? lifetimeMsOption
    : secondsToMs(tokenLifetimeSeconds, 'tokenLifetimeSeconds')
  const tokens = createTokenStore(tokenLifetimeMs, (await createRsaKeyPair()).privateKey)
  let handlers = null
  let announceReady
  const ready = new Promise((resolve) => { announceReady = resolve })
  /** The AEM outage mode (see setAemOutage). */
  let aemOutage = null
  /** Connections of the AEM requests a 'hang' outage holds. */
  const hung = new Set()
  /** Every open connection (the raw TCP sockets, TLS handshakes included). */
  const sockets = new Set()

  function dropHung () {
    for (const socket of hung) socket.destroy()
    hung.clear()
  }

  async function onRequest (req, res) {
    try {
      const body = await readBody(req)
      requests.push({ method: req.method, url: req.url, headers: { ...req.headers }, body, traceparent: req.headers.traceparent })
      await ready
      if (req.url.startsWith('/ims/')) return await handlers.ims(req, res, body)
      if (aemOutage === '503') {
        stats.outageAnswers += 1
        return send(res, 503, 'text/html;charset=utf-8', DISPATCHER_503)
      }
      if (aemOutage === 'hang') {
        stats.outageAnswers += 1
        const socket = req.socket
        hung.add(socket)
        res.on('close', () => hung.delete(socket))
        return
      }
      await handlers.aem(req, res, body)
    } catch (err) {
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Emulator error: ' + err.message }] })
    }
  }

  const { key, cert, caPem } = await createTlsCertificate(certificate)
  const server = https.createServer({ key, cert }, onRequest)
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  const port = await listen(server, wantedPort)
  const imsEndpoint = port === 443 ? 'localhost' : `${HOST}:${port}`
  const { credentials, publicKey } = await createCredentials(imsEndpoint)
  const blobStore = await startBlobStore({ key, cert })
  const sitesFaults = createSitesFaults()
  const apiKey = credentials.integration.technicalAccount.clientId
  handlers = {
    ims: createImsHandler({
      integration: credentials.integration,
      publicKey,
      tokens,
      stats,
      faults,
      tokenLifetimeMs: () => tokenLifetimeMs
    }),
    aem: createAemHandler({
      tokens,
      basicAuth,
      requireAuth,
      sites: { apiKey, blobStore, faults: sitesFaults },
      tier,
      surrogateControl: surrogateControl !== false,
      graphqlResponseJson: Boolean(graphqlResponseJson),
      stats
    })
  }
  announceReady()

  const devToken = { ok: true, statusCode: 200, accessToken: tokens.issue(DAY_MS) }

  let closed = false
  /** Outage changes run one after the other (leaving 'refuse' listens again, asynchronously). */
  let outageChange = Promise.resolve()

  /** Moves to another outage mode; see the Emulator typedef. */
  async function changeOutage (mode) {
    if (closed) return
    const previous = aemOutage
    aemOutage = mode
    if (previous === 'hang' && mode !== 'hang') dropHung()
    if (mode === 'refuse' && previous !== 'refuse') {
      server.close()
      for (const socket of sockets) socket.destroy()
      dropHung()
    } else if (previous === 'refuse' && mode !== 'refuse') {
      await listen(server, port)
    }
  }

  function setAemOutage (mode = null) {
    if (!OUTAGE_MODES.includes(mode)) {
      throw new RangeError(`setAemOutage(mode): mode must be null, '503', 'hang' or 'refuse', got ${String(mode)}`)
    }
    const change = () => changeOutage(mode)
    outageChange = outageChange.then(change, change)
    return outageChange
  }

  return {
    url: port === 443 ? `https://${HOST}` : `https://${HOST}:${port}`,
    port,
    host: HOST,
    imsEndpoint,
    caPem,
    credentials,
    devToken,
    writeFiles (dir) {
      fs.mkdirSync(dir, { recursive: true })
      const files = {
        credentialsFile: path.resolve(dir, 'service-credentials.json'),
        devTokenFile: path.resolve(dir, 'dev-token.json'),
        caFile: path.resolve(dir, 'ca.pem')
      }
      fs.writeFileSync(files.credentialsFile, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 })
      fs.writeFileSync(files.devTokenFile, JSON.stringify(devToken, null, 2) + '\n', { mode: 0o600 })
      fs.writeFileSync(files.caFile, caPem)
      return files
    },
    requests,
    clearRequests () { requests.length = 0 },
    stats,
    failNextTokenRequests (count = 1) { faults.failNext = count },
    delayTokenRequests (ms) { faults.delayMs = Math.max(0, Math.min(Number(ms) || 0, 60000)) },
    setTokenLifetime (seconds) { tokenLifetimeMs = secondsToMs(seconds, 'setTokenLifetime(seconds)') },
    issueToken: (lifetimeMs = tokenLifetimeMs) => tokens.issue(lifetimeMs),
    revokeToken: (token) => tokens.revoke(token),
    apiKey,
    blobStore: {
      url: blobStore.url,
      port: blobStore.port,
      requests: blobStore.requests,
      clearRequests: blobStore.clearRequests
    },
    failNextSitesRequests: (count, options) => sitesFaults.failNext(count, options),
    clearSitesFaults: () => sitesFaults.clear(),
    setAemOutage,
    get aemOutage () { return aemOutage },
    async close () {
      await outageChange.catch(() => {})
      closed = true
      dropHung()
      const main = new Promise((resolve, reject) => {
        if (!server.listening) {
          for (const socket of sockets) socket.destroy()
          return resolve()
        }
        server.close((err) => (err ? reject(err) : resolve()))
        server.closeAllConnections()
        for (const socket of sockets) socket.destroy()
      })
      return Promise.all([main, blobStore.close()]).then(() => undefined)
    }
  }
}

module.exports = { startEmulator }
