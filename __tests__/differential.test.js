'use strict'

// One scenario matrix through every entry point (runPersistedQuery, runQuery, authFetch, request,
// paginate, and the token exchange), every transport (native, `transport: 'fetch'`, a supplied
// fetch) and every cache (off, local, shared through a store): each cell must make the decision
// the one rule of each kind says (src/http/redirect.rs, src/http/send.rs, the cache's), and no
// secret (client secret, token, X-Api-Key, the client's headers, cookies, URL signatures) may
// reach the other origin, a log line, an error or a store key. Two HTTPS origins on loopback
// record what reaches them (__tests__/support/two-origins.js).

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const undici = require('undici')
const { AEMHeadless, getToken, TokenProvider } = require('..')
const { startTwoOrigins, HUGE_BYTES } = require('./support/two-origins')

const CLIENT_SECRET = 'CLIENT-SECRET-p8e'
const API_KEY = 'APIKEY-SECRET-k1'
const APP_HEADER = 'APP-HEADER-SECRET-h1'
const COOKIE = 'login-token=COOKIE-SECRET-c1'
/** What must show nowhere but where it belongs. */
const SECRETS = [CLIENT_SECRET, API_KEY, APP_HEADER, 'COOKIE-SECRET', 'token-1', 'token-2', 'SECRET-SIG', 'SECRET-AMZ', 'SECRET-CRED', 'SECRET-STS']
const LIMIT = 64 * 1024

const SCENARIOS = ['same-origin', 'cross-origin', 'a-b-a', 'see-other', 'temporary', 'permanent', 'data', 'huge', 'unauthorized', 'signed', 'max-age-huge', 'non-json', 'forged']
const ENTRIES = ['runPersistedQuery', 'runQuery', 'authFetch', 'request', 'paginate']
const TRANSPORTS = ['native', 'fetch', 'supplied']
const CACHES = ['off', 'local', 'shared']

let origins
let agent
let cells = 0
before(async () => {
  origins = await startTwoOrigins()
  agent = new undici.Agent({ connect: { ca: origins.caPem } })
})
after(async () => {
  await agent.close()
  await origins.close()
})

/** The app's own fetch, trusting the origins' CA, as an app that supplies one would write it. */
const suppliedFetch = (url, init) => undici.fetch(url, { ...init, dispatcher: agent })

/** Runs `work` with `globalThis.fetch` trusting the origins' CA (what `transport: 'fetch'` calls). */
async function withGlobalFetch (work) {
  const original = globalThis.fetch
  globalThis.fetch = suppliedFetch
  try {
    return await work()
  } finally {
    globalThis.fetch = original
  }
}

/** A store in memory with the store interface, recording its keys. */
function memoryStore () {
  const values = new Map()
  return {
    keys: [],
    async get (key) { return values.get(key) ?? null },
    async set (key, value) { this.keys.push(key); values.set(key, value) }
  }
}

/** The options of a client of `transport`. */
function transportOptions (transport) {
  if (transport === 'fetch') return { transport: 'fetch' }
  if (transport === 'supplied') return { fetch: suppliedFetch }
  return { transport: 'native', ca: origins.caPem }
}

/** OAuth Server-to-Server credentials whose client id names the cell (IMS plays no scenario for it). */
function credentials (cell, scenario, prefix = 'c') {
  return { clientId: `${prefix}${cell}-${scenario}`, clientSecret: CLIENT_SECRET, scopes: ['AdobeID', 'openid'], imsEndpoint: origins.aem }
}

/** One call of `entry` on `client` for cell `cell`: how it ended, as its caller sees it. */
async function call (client, entry, cell, scenario, headers = {}) {
  const path = `/api/c${cell}/${scenario}`
  try {
    switch (entry) {
      case 'runPersistedQuery': return { value: await client.runPersistedQuery(`c${cell}/${scenario}`, {}, { headers }) }
      case 'runQuery': return { value: await client.runQuery({ query: '{ ok }' }, { headers }) }
      case 'request': return { value: await client.request(scenario === 'signed' ? `${path}?sig=SECRET-SIG` : path, { headers }) }
      case 'paginate': {
        const items = []
        for await (const item of client.paginate(path, { headers })) items.push(item)
        return { value: items }
      }
      case 'authFetch': {
        const response = await client.authFetch(scenario === 'signed' ? `${path}?sig=SECRET-SIG` : path, { headers })
        // The caller owns the body: read it, but never past the limit the others keep.
        const reader = response.body.getReader()
        let size = 0
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          size += value.byteLength
          if (size > LIMIT) {
            await reader.cancel()
            break
          }
        }
        return { value: { status: response.status, size } }
      }
    }
  } catch (error) {
    return { error }
  }
}

/**
 * The hops a request of `method` (with a body or not) makes in `scenario`, by the rules: where
 * each went, whether the credentials went with it, its method and whether the body went.
 */
function expectedHops (scenario, method, withBody) {
  const first = { origin: 'aem', credentialed: true, method, body: withBody }
  const same = { ...first }
  const asGet = { method: 'GET', body: false }
  switch (scenario) {
    case 'same-origin': case 'temporary': case 'permanent': return [first, same]
    case 'see-other': return [first, { ...first, ...asGet }]
    case 'cross-origin': return [first, { ...first, origin: 'other', credentialed: false }]
    case 'a-b-a': {
      const after302 = method === 'POST' ? asGet : {}
      return [first, { ...first, ...after302, origin: 'other', credentialed: false }, { ...first, ...after302, credentialed: false }]
    }
    case 'signed': return [first, { ...first, method: method === 'POST' ? 'GET' : method, body: false, origin: 'other', credentialed: false }]
    case 'unauthorized': return [first, same]
    default: return [first]
  }
}

/** How a call ended, in kinds every entry point shares. */
function outcomeOf (entry, scenario, result) {
  if (result.error !== undefined) {
    const error = result.error
    if (entry === 'authFetch') return error instanceof TypeError ? 'refused' : `error ${error.name}`
    return `error ${error.code}`
  }
  if (entry === 'authFetch') return result.value.status === 200 ? 'answer' : `status ${result.value.status}`
  return 'answer'
}

/** The outcome each entry point gives in a scenario. */
function expectedOutcome (entry, scenario) {
  const graphql = entry === 'runPersistedQuery' || entry === 'runQuery'
  switch (scenario) {
    case 'data': return entry === 'authFetch' ? 'refused' : 'error REQUEST_ERROR'
    // The client reads no body past its limit; authFetch hands the body to its caller.
    case 'huge': return entry === 'authFetch' ? 'answer' : 'error RESPONSE_ERROR'
    case 'non-json': return entry === 'authFetch' ? 'answer' : graphql ? 'error RESPONSE_ERROR' : 'error RESPONSE_ERROR'
    // The other origin's 403 is the answer: an error for the entry points that read it.
    case 'signed': return entry === 'authFetch' ? 'status 403' : graphql ? 'error RESPONSE_ERROR' : 'error API_ERROR'
    default: return 'answer'
  }
}

/** The requests of a cell that are not its provider's token exchange. */
const aemHops = (cell) => origins.of(cell).filter((hop) => !hop.url.startsWith('/ims/'))

/** Asserts that nothing of `texts` holds a secret. */
function assertNoSecret (label, ...texts) {
  for (const text of texts) {
    for (const secret of SECRETS) assert.ok(!text.includes(secret), `${label}: ${secret} in ${text.slice(0, 300)}`)
  }
}

/** What of an error may be seen: message, stack, inspection, JSON. */
const shown = (error) => error === undefined ? '' : [error.message, error.stack, util.inspect(error, { depth: 10 }), JSON.stringify(error), error.cause ? util.inspect(error.cause, { depth: 10 }) : ''].join('\n')

for (const scenario of SCENARIOS) {
  test(`every entry point, transport and cache decides ${scenario} alike, and no secret leaves`, async () => {
    for (const transport of TRANSPORTS) {
      for (const cache of CACHES) {
        for (const entry of ENTRIES) {
          const cell = ++cells
          const label = `${scenario} ${entry} ${transport} cache ${cache}`
          const events = []
          const store = memoryStore()
          const client = new AEMHeadless({
            serviceURL: origins.aem,
            endpoint: `c${cell}/${scenario}`,
            credentials: credentials(cell, scenario),
            apiKey: API_KEY,
            headers: { 'x-app': APP_HEADER, cookie: COOKIE },
            maxResponseBytes: LIMIT,
            retries: { maxRetries: 0 },
            cache: cache === 'off' ? undefined : cache === 'local' ? true : { store },
            logger: (event) => events.push(event),
            ...transportOptions(transport)
          })
          const run = (headers) => transport === 'fetch' ? withGlobalFetch(() => call(client, entry, cell, scenario, headers)) : call(client, entry, cell, scenario, headers)
          const method = entry === 'runQuery' ? 'POST' : 'GET'
          const first = await run()
          assert.equal(outcomeOf(entry, scenario, first), expectedOutcome(entry, scenario), `${label}: ${shown(first.error)}`)
          const hops = aemHops(cell).map((hop) => ({
            origin: hop.origin,
            credentialed: hop.headers.authorization !== undefined,
            method: hop.method,
            body: hop.body.length > 0
          }))
          assert.deepEqual(hops, expectedHops(scenario, method, method === 'POST'), label)
          // Credentials go to AEM's origin only, all of them or none (X-Api-Key with the
          // OpenAPI entry points, which send it).
          const credentialNames = ['authorization', 'x-app', 'cookie', ...(['authFetch', 'request', 'paginate'].includes(entry) ? ['x-api-key'] : [])]
          for (const hop of aemHops(cell)) {
            const carried = ['authorization', 'x-api-key', 'x-app', 'cookie'].filter((name) => hop.headers[name] !== undefined)
            assert.ok(carried.length === 0 || (hop.origin === 'aem' && carried.sort().join() === credentialNames.sort().join()), `${label}: ${hop.origin} ${hop.url} got ${carried}`)
            if (hop.origin === 'other') assertNoSecret(`${label} at the other origin`, JSON.stringify(hop.headers), hop.url.replace(/\?.*$/, ''))
          }
          if (scenario === 'unauthorized') {
            assert.deepEqual(aemHops(cell).map((hop) => hop.headers.authorization), ['Bearer token-1', 'Bearer token-2'], label)
          }
          if (scenario === 'huge') {
            // The limit held as the body streamed: the connection closed long before the end.
            const [hop] = aemHops(cell)
            for (let wait = 0; !hop.closed && wait < 100; wait++) await new Promise((resolve) => setTimeout(resolve, 10))
            assert.ok(hop.closed && hop.sent < HUGE_BYTES / 2, `${label}: ${hop.sent} of ${HUGE_BYTES} bytes sent`)
          }
          // The second call: what may be kept was kept, and nothing else.
          if (['cross-origin', 'max-age-huge', 'non-json', 'forged', 'a-b-a'].includes(scenario) && entry !== 'runQuery') {
            const before = aemHops(cell).length
            let identity
            if (scenario === 'forged') {
              // A caller that sends the managed token's identity string as its Authorization.
              const provider = new TokenProvider(credentials(cell, scenario), transportOptions(transport))
              await (transport === 'fetch' ? withGlobalFetch(() => provider.getAccessToken()) : provider.getAccessToken())
              identity = provider.identity
              assert.match(identity, /^oauth\|/)
            }
            const second = await run(identity === undefined ? {} : { Authorization: identity })
            const sent = aemHops(cell).length - before
            const kept = cache !== 'off' && scenario === 'max-age-huge'
            assert.equal(sent, kept ? 0 : expectedHops(scenario, method, false).length, `${label}: the second call ${kept ? 'is kept' : 'goes to AEM'}`)
            assert.equal(outcomeOf(entry, scenario, second), expectedOutcome(entry, scenario), `${label}, again: ${shown(second.error)}`)
            if (identity !== undefined) assert.equal(aemHops(cell).at(-1).headers.authorization, identity, `${label}: the forged header reached AEM`)
          }
          assertNoSecret(`${label} in an error`, shown(first.error))
          assertNoSecret(`${label} in the log`, JSON.stringify(events))
          assertNoSecret(`${label} in a store key`, store.keys.join('\n'))
          assert.ok(!JSON.stringify(events).includes('INTERNAL_ERROR') && !shown(first.error).includes('INTERNAL_ERROR'), label)
        }
      }
    }
  })
}

test('the token exchange decides every scenario alike on every transport: a redirect never takes the form to another origin', async () => {
  const expected = {
    'same-origin': { ok: true, hops: [['aem', 'POST', true], ['aem', 'POST', true]] },
    temporary: { ok: true, hops: [['aem', 'POST', true], ['aem', 'POST', true]] },
    permanent: { ok: true, hops: [['aem', 'POST', true], ['aem', 'POST', true]] },
    'see-other': { ok: false, hops: [['aem', 'POST', true], ['aem', 'GET', false]] },
    'cross-origin': { ok: false, hops: [['aem', 'POST', true]] },
    'a-b-a': { ok: false, hops: [['aem', 'POST', true]] },
    signed: { ok: false, hops: [['aem', 'POST', true]] },
    data: { ok: false, hops: [['aem', 'POST', true]] },
    huge: { ok: false, hops: [['aem', 'POST', true]] },
    unauthorized: { ok: false, hops: [['aem', 'POST', true]] },
    'non-json': { ok: false, hops: [['aem', 'POST', true]] },
    'max-age-huge': { ok: true, hops: [['aem', 'POST', true]] }
  }
  for (const transport of TRANSPORTS) {
    for (const [scenario, { ok, hops }] of Object.entries(expected)) {
      const cell = ++cells
      const label = `token exchange ${scenario} ${transport}`
      const exchange = () => getToken(credentials(cell, scenario, 'i'), transportOptions(transport))
      let token
      let error
      try {
        token = await (transport === 'fetch' ? withGlobalFetch(exchange) : exchange())
      } catch (e) {
        error = e
      }
      assert.equal(error === undefined, ok, `${label}: ${shown(error)}`)
      if (ok) assert.match(token.accessToken, /^token-\d$/)
      else assert.equal(error.code, 'EXCHANGE_TOKEN_ERROR', label)
      assert.deepEqual(origins.of(cell).map((hop) => [hop.origin, hop.method, hop.body.includes('client_secret')]), hops, label)
      assert.ok(origins.of(cell).every((hop) => hop.origin === 'aem'), `${label}: nothing reached the other origin`)
      if (scenario === 'unauthorized') assert.equal(error.sdkDetails.imsErrorDescription, 'invalid client_secret parameter')
      assertNoSecret(label, shown(error).replace(/token-\d/g, ''))
      assert.ok(!shown(error).includes(CLIENT_SECRET), label)
    }
  }
})
