'use strict'

/**
 * A local HTTPS emulator of Adobe IMS and an AEM Publish tier, for tests and local development:
 * `require('aem-headless-rs/emulator')`.
 * AEM side: built-in persisted queries and error fixtures, persisting (`persist.json`) and listing
 * (`list.json`) queries, and GraphQL over 16 adventures and 57 articles (List, Paginated, ByPath),
 * to which an app adds its own models, fragments, persisted queries and users (`load`).
 * Persisted queries are kept in memory, one set per started emulator, and answered with AEM's
 * `Cache-Control` / `Surrogate-Control` (per tier), `ETag` and `Last-Modified` (emulator/caching.js).
 * Sites API (`/adobe/sites`): content fragments, a batch job, and an asset redirect to a second
 * origin, the blob store. Asset upload: direct binary upload (initiateUpload, parts PUT to the blob
 * store, completeUpload), the create-asset servlet fallback, folder creation; assets kept on disk. Failures: `fail` (the next requests answer an error status),
 * `failNextTokenRequests` (IMS) and `setAemOutage` (503, no answer, refused connections).
 * Guide: docs/EMULATOR.md; routes: emulator/README.md.
 * @module emulator
 */

require('./peers').checkPeerDependencies()

const https = require('node:https')
const fs = require('node:fs')
const path = require('node:path')
const { createTlsCertificate, createRsaKeyPair } = require('./tls')
const { createCredentials } = require('./credentials')
const { createTokenStore } = require('./tokens')
const { createImsHandler } = require('./ims')
const { createAem } = require('./aem')
const { SITES_BASE } = require('./sites')
const { startBlobStore } = require('./blob-store')
const { readBody, send, sendJson } = require('./http')
const { DISPATCHER_503 } = require('./faults')
const { useEmulator } = require('./hooks')
const { readFixtures } = require('./fixtures')
const { createDam, isDamPath, parentOf, DAM_ROOT } = require('./dam')
const { createUploadConfig } = require('./upload-config')
const { createUploadRoutes, isStreamedUpload } = require('./uploads')
const { createEvents } = require('./events')
const { createPublishing } = require('./publishing')
const { createCdn } = require('./cdn')

const HOST = '127.0.0.1'
const DAY_MS = 24 * 60 * 60 * 1000
const TIERS = ['publish', 'author']
const OUTAGE_MODES = [null, '503', 'hang', 'refuse']

/**
 * The options and the members of a started emulator are documented, with their types, in
 * emulator/index.d.ts.
 * @typedef {import('./index').EmulatorOptions} EmulatorOptions
 * @typedef {import('./index').Emulator} Emulator
 */

/** Milliseconds from a lifetime in seconds; throws a RangeError unless it is a positive finite number. */
function secondsToMs (seconds, what) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    throw new RangeError(`${what} must be a positive number of seconds, got ${String(seconds)}`)
  }
  return Math.max(1, Math.round(seconds * 1000))
}

/** A copy of an asset for the `assets` API (versions copied too), or undefined. */
function cloneAsset (asset) {
  return asset && { ...asset, versions: asset.versions.map((version) => ({ ...version })) }
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
    graphqlResponseJson = false,
    upload,
    load,
    cdn: cdnOption = false
  } = options
  if (!TIERS.includes(tier)) throw new RangeError(`tier must be 'publish' or 'author', got ${String(tier)}`)
  const uploads = createUploadConfig(upload)
  /** AEM's CDN in front of AEM (emulator/cdn.js), with the `cdn` option. */
  const cdn = cdnOption ? createCdn(typeof cdnOption === 'object' ? cdnOption : {}) : null

  const requests = []
  const stats = { exchanges: 0, oauthTokens: 0, persistedQueries: 0, notModified: 0, outageAnswers: 0 }
  /** IMS's injected failures and delay (failNextTokenRequests, delayTokenRequests). */
  const imsFaults = { failNext: 0, delayMs: 0 }
  const initialLifetimeMs = tokenLifetimeSeconds === undefined
    ? lifetimeMsOption
    : secondsToMs(tokenLifetimeSeconds, 'tokenLifetimeSeconds')
  let tokenLifetimeMs = initialLifetimeMs
  const tokens = createTokenStore(tokenLifetimeMs, (await createRsaKeyPair()).privateKey)
  /** The IMS handler, and the AEM side (replaced by a fresh one at `reset`). */
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
      const streamed = isStreamedUpload(req)
      if (streamed) res.on('finish', () => req.resume())
      const body = streamed ? '' : await readBody(req)
      requests.push({ method: req.method, url: req.url, headers: { ...req.headers }, body, traceparent: req.headers.traceparent })
      await ready
      if (req.url.startsWith('/ims/')) return await handlers.ims(req, res, body)
      // Adobe I/O Events' key host (static.adobeioevents.com) is not AEM: no outage reaches it.
      if (events.handle(req, res)) return
      // The CDN answers what it holds, also while AEM is out.
      if (cdn !== null && cdn.serve(req, res)) return
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
      await handlers.aem.handle(req, cdn !== null ? cdn.record(req, res) : res, body)
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
  const dam = createDam()
  const blobStore = await startBlobStore({ key, cert, damDir: dam.dir, uploads })
  const uploadRoutes = createUploadRoutes({ dam, uploads, blobStore })
  const apiKey = credentials.integration.technicalAccount.clientId
  const baseUrl = port === 443 ? `https://${HOST}` : `https://${HOST}:${port}`
  const events = await createEvents({ baseUrl, recipient: apiKey, org: credentials.integration.org, tokens })
  const publishing = createPublishing({ events, content: () => handlers.aem.content })
  /** A fresh AEM side, with the `load` option's content. */
  const createAemSide = () => {
    const aem = createAem({
      tokens,
      basicAuth,
      requireAuth,
      sites: { apiKey, blobStore },
      tier,
      surrogateControl: surrogateControl !== false,
      graphqlResponseJson: Boolean(graphqlResponseJson),
      stats,
      uploadRoutes,
      publishing
    })
    if (load) aem.load(load)
    return aem
  }
  handlers = {
    ims: createImsHandler({
      integration: credentials.integration,
      publicKey,
      tokens,
      stats,
      faults: imsFaults,
      tokenLifetimeMs: () => tokenLifetimeMs
    }),
    aem: null
  }
  try {
    handlers.aem = createAemSide()
  } catch (error) {
    await closeServers()
    throw error
  }
  announceReady()

  const devToken = { ok: true, statusCode: 200, accessToken: tokens.issue(DAY_MS) }

  /** Stops both servers and drops every open connection. */
  function closeServers () {
    const main = new Promise((resolve, reject) => {
      if (!server.listening) {
        for (const socket of sockets) socket.destroy()
        return resolve()
      }
      server.close((err) => (err ? reject(err) : resolve()))
      server.closeAllConnections()
      for (const socket of sockets) socket.destroy()
    })
    return Promise.all([main, blobStore.close()]).then(() => dam.close())
  }

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
    url: baseUrl,
    port,
    host: HOST,
    imsEndpoint,
    caPem,
    credentials,
    devToken,
    events: (({ handle, unsubscribeAll, ...api }) => api)(events),
    publishing: (({ reset, sitesFragments, ...api }) => api)(publishing),
    cdn: cdn === null ? null : { stats: cdn.stats, purgeKey: cdn.purgeKey, clear: cdn.clear },
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
    failNextTokenRequests (count = 1) { imsFaults.failNext = count },
    delayTokenRequests (ms) { imsFaults.delayMs = Math.max(0, Math.min(Number(ms) || 0, 60000)) },
    setTokenLifetime (seconds) { tokenLifetimeMs = secondsToMs(seconds, 'setTokenLifetime(seconds)') },
    issueToken: (lifetimeMs = tokenLifetimeMs) => tokens.issue(lifetimeMs),
    revokeToken: (token) => tokens.revoke(token),
    apiKey,
    blobStore: {
      url: blobStore.url,
      port: blobStore.port,
      requests: blobStore.requests,
      clearRequests: blobStore.clearRequests,
      credentialsSeen: blobStore.credentialsSeen,
      markClientHeaders: blobStore.markClientHeaders
    },
    assets: {
      get: (assetPath) => cloneAsset(dam.getAsset(assetPath)),
      list: () => dam.listAssets().map(cloneAsset),
      folders: () => dam.folders(),
      addFolder (folderPath, title) {
        if (typeof folderPath !== 'string' || !isDamPath(folderPath) || folderPath === DAM_ROOT) {
          throw new RangeError(`addFolder: a path under ${DAM_ROOT}, got ${String(folderPath)}`)
        }
        if (!dam.hasFolder(parentOf(folderPath))) throw new RangeError(`addFolder: the parent of ${folderPath} does not exist`)
        dam.addFolder(folderPath, title)
      }
    },
    uploads: {
      get settings () { return { ...uploads.settings } },
      configure: (settings) => uploads.configure(settings),
      failNextParts: (count, failOptions) => uploads.failNextParts(count, failOptions),
      expireNextParts: (count) => uploads.expireNextParts(count),
      lagFolderCreation: (count) => uploads.lagFolderCreation(count),
      rejectExistingAssets: (on) => uploads.rejectExistingAssets(on),
      log: uploadRoutes.log,
      clearLog () { uploadRoutes.log.length = 0 }
    },
    load: (content) => handlers.aem.load(content),
    addModel: (name, fields) => handlers.aem.load({ models: { [name]: fields } }),
    addFragments: (model, items) => handlers.aem.load({ fragments: { [model]: items } }),
    persistQuery: (queryPath, query, cache) => handlers.aem.load({ persistedQueries: { [queryPath]: cache ? { ...cache, query } : query } }),
    addUser: (name, password) => handlers.aem.load({ users: { [name]: password } }),
    setCacheHeaders: (policy) => handlers.aem.setCacheHeaders(policy),
    fail: (count, failOptions) => handlers.aem.faults.add(count, failOptions),
    clearFaults: () => handlers.aem.faults.clear(),
    failNextSitesRequests (count, failOptions = {}) {
      const given = Object.fromEntries(Object.entries(failOptions).filter(([, value]) => value !== undefined))
      handlers.aem.faults.add(count, { path: SITES_BASE, retryAfter: 1, ...given })
    },
    clearSitesFaults: () => handlers.aem.faults.clear(),
    async reset () {
      await setAemOutage(null)
      handlers.aem = createAemSide()
      requests.length = 0
      blobStore.clearRequests()
      blobStore.forgetClientHeaders()
      uploads.reset()
      uploadRoutes.reset()
      publishing.reset()
      events.unsubscribeAll()
      dam.clear()
      for (const key of Object.keys(stats)) stats[key] = 0
      imsFaults.failNext = 0
      imsFaults.delayMs = 0
      tokenLifetimeMs = initialLifetimeMs
    },
    setAemOutage,
    get aemOutage () { return aemOutage },
    async close () {
      await outageChange.catch(() => {})
      closed = true
      dropHung()
      await closeServers()
    }
  }
}

module.exports = { startEmulator, useEmulator, readFixtures }
