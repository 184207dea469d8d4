'use strict'

// The fetch transport: an app's own `fetch` (config.fetch), and `transport: 'fetch'` /
// AEM_HEADLESS_TRANSPORT=fetch through globalThis.fetch, against the emulator over HTTPS.

const { test, before, after, afterEach } = require('node:test')
const assert = require('node:assert/strict')
const undici = require('undici')
const AEMHeadless = require('..')
const { getToken, exchange, TokenProvider } = AEMHeadless
const { setup, rejectsWith, secretsOf, assertNoSecret } = require('./helpers')

let env
/** undici's fetch, trusting the emulator's CA: what an app's fetch to AEM would be. */
let trustingFetch
const realFetch = globalThis.fetch
before(async () => {
  env = await setup()
  const dispatcher = new undici.Agent({ connect: { ca: env.emu.caPem } })
  trustingFetch = (url, options) => undici.fetch(url, { ...options, dispatcher })
})
after(() => env.close())
afterEach(() => {
  globalThis.fetch = realFetch
  delete process.env.AEM_HEADLESS_TRANSPORT
})

/** A fetch that records its calls and passes them to `inner`. */
function recording (inner = trustingFetch) {
  const calls = []
  const fetch = (url, options, retryOptions) => {
    calls.push({ url, options, retryOptions, argumentCount: arguments.length })
    return inner(url, options, retryOptions)
  }
  return { fetch, calls }
}

test('a supplied fetch carries the IMS exchange and the AEM request, called as Adobe calls it', async () => {
  const { fetch, calls } = recording()
  const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, fetch })
  assert.equal(aem.fetch, fetch, 'client.fetch is the supplied fetch')
  const before = env.emu.stats.exchanges
  const { data } = await aem.runPersistedQuery('wknd-shared/adventures-all', {}, {}, { maxRetries: 1, initialDelayInMillis: 50 })
  assert.ok(Array.isArray(data.adventureList.items))
  assert.equal(env.emu.stats.exchanges, before + 1)
  assert.equal(calls.length, 2)
  const [ims, query] = calls
  assert.match(ims.url, /\/ims\/exchange\/jwt$/)
  assert.equal(ims.options.method, 'POST')
  assert.equal(ims.options.headers['Content-Type'], 'application/x-www-form-urlencoded')
  assert.equal(query.url, `${env.emu.url}/graphql/execute.json/wknd-shared/adventures-all`)
  assert.equal(query.options.method, 'GET')
  assert.equal(query.options.headers['Content-Type'], 'application/json')
  assert.match(query.options.headers.Authorization, /^Bearer ./)
  assert.ok(query.options.signal instanceof AbortSignal)
  assert.deepEqual(query.retryOptions, { maxRetries: 1, initialDelayInMillis: 50 })
  const sent = env.emu.requests.at(-1)
  assert.equal(sent.headers.authorization, query.options.headers.Authorization)
})

test('fetch is called before the call returns, as with a JavaScript client', () => {
  const { fetch, calls } = recording(async () => ({ ok: true, status: 200, json: async () => ({ data: { x: 1 } }) }))
  const aem = new AEMHeadless({ serviceURL: 'http://localhost', auth: 'token', fetch })
  const pending = aem.runPersistedQuery('wknd/q', { name: 'test' })
  assert.equal(calls.length, 1)
  assert.equal(calls[0].url, 'http://localhost/graphql/execute.json/wknd/q%3Bname%3Dtest;')
  assert.notEqual(calls[0].retryOptions, undefined)
  return pending
})

test('a minimal double works: ok and json() only, or with a status', async () => {
  for (const answer of [{ ok: true, json: async () => ({ data: { a: 1 } }) }, { ok: true, status: 200, json: async () => ({ data: { a: 1 } }) }]) {
    const aem = new AEMHeadless({ serviceURL: 'https://aem.example', fetch: async () => answer })
    assert.deepEqual(await aem.runPersistedQuery('a/b'), { data: { a: 1 } })
    assert.deepEqual(await aem.runQuery('{ a }'), { data: { a: 1 } })
  }
})

test('non-2xx answers of a double: API_ERROR with AEM\'s errors, RESPONSE_ERROR without JSON', async () => {
  const apiError = new AEMHeadless({ serviceURL: 'https://aem.example', fetch: async () => ({ ok: false, status: 404, json: async () => ({ errors: [{ message: 'no such query' }] }) }) })
  const error = await rejectsWith(apiError.runPersistedQuery('a/b'), 'API_ERROR')
  assert.equal(error.sdkDetails.status, 404)
  assert.deepEqual(error.sdkDetails.errors, [{ message: 'no such query' }])
  const notJson = new AEMHeadless({ serviceURL: 'https://aem.example', fetch: async () => ({ ok: false, status: 502, text: async () => '<html>Bad gateway</html>' }) })
  assert.equal((await rejectsWith(notJson.runPersistedQuery('a/b'), 'RESPONSE_ERROR')).sdkDetails.status, 502)
  const throwingJson = new AEMHeadless({ serviceURL: 'https://aem.example', fetch: async () => ({ ok: true, status: 200, json: async () => JSON.parse('{oops') }) })
  assert.match((await rejectsWith(throwingJson.runPersistedQuery('a/b'), 'RESPONSE_ERROR')).message, /body cannot be read/)
  // ok: false without a status: AEM's error body, as Adobe's client reads it, and no retry.
  let calls = 0
  const noStatus = new AEMHeadless({ serviceURL: 'https://aem.example', transport: 'fetch' })
  globalThis.fetch = async () => { calls++; return { ok: false, json: async () => ({ error: { message: 'custom' } }) } }
  assert.deepEqual((await rejectsWith(noStatus.runPersistedQuery('a/b'), 'API_ERROR')).sdkDetails.body, { error: { message: 'custom' } })
  assert.equal(calls, 1)
  const notJsonText = new AEMHeadless({ serviceURL: 'https://aem.example', fetch: async () => ({ ok: true, status: 200, text: async () => 'plain text' }) })
  await rejectsWith(notJsonText.runPersistedQuery('a/b'), 'RESPONSE_ERROR')
})

test('an answer that is not a response is RESPONSE_ERROR saying what is missing', async () => {
  const cases = [[{}, /neither status nor ok/], [{ ok: 'yes' }, /neither status nor ok/], [null, /resolved with null/], ['text', /resolved with string/], [{ status: 2000 }, /not an HTTP status/], [{ ok: true, json: async () => { throw new Error('socket hang up') } }, /body cannot be read \(socket hang up\)/]]
  for (const [answer, message] of cases) {
    const aem = new AEMHeadless({ serviceURL: 'https://aem.example', fetch: async () => answer })
    const error = await rejectsWith(aem.runPersistedQuery('a/b'), 'RESPONSE_ERROR')
    assert.match(error.message, message)
    assert.equal(error.toJSON().message, error.message)
  }
})

test('bad fetch and transport options are INVALID_PARAM naming them', () => {
  for (const fetch of ['fetch', 42, {}, true]) {
    assert.throws(() => new AEMHeadless({ serviceURL: 'https://aem.example', fetch }), { code: 'INVALID_PARAM', message: /fetch must be a function/ })
  }
  assert.throws(() => new AEMHeadless({ serviceURL: 'https://aem.example', transport: 'curl' }), { code: 'INVALID_PARAM', message: /transport must be 'auto', 'native' or 'fetch', not "curl"/ })
  process.env.AEM_HEADLESS_TRANSPORT = 'undici'
  assert.throws(() => new AEMHeadless('https://aem.example'), { code: 'INVALID_PARAM', message: /AEM_HEADLESS_TRANSPORT must be 'auto', 'native' or 'fetch'/ })
  assert.throws(() => new TokenProvider(env.emu.credentials, { fetch: 'x' }), { code: 'INVALID_PARAM', message: /options\.fetch must be a function/ })
})

test('a fetch that throws is REQUEST_ERROR, and no secret of the request reaches the message', async () => {
  const secrets = secretsOf(env.emu)
  // What nock and other doubles say when nothing matches: the whole request, headers and body.
  const leaky = async (url, options) => { throw new Error(`No match for ${url} ${JSON.stringify(options.headers)} ${options.body || ''}`) }
  const devToken = env.emu.devToken.accessToken
  const bearer = new AEMHeadless({ serviceURL: 'https://aem.example', auth: devToken, fetch: leaky })
  const error = await rejectsWith(bearer.runPersistedQuery('a/b'), 'REQUEST_ERROR')
  assert.match(error.message, /No match for https:\/\/aem\.example/)
  assertNoSecret(error, secrets)
  const ims = await rejectsWith(getToken(env.files.credentialsFile, { fetch: leaky }), 'EXCHANGE_TOKEN_ERROR')
  assert.match(ims.message, /No match for .*\/ims\/exchange\/jwt/)
  assertNoSecret(ims, secrets)
  assert.doesNotMatch(ims.message, /eyJ/, 'no signed JWT')
  const basic = new AEMHeadless({ serviceURL: 'https://aem.example', auth: ['admin', 'Pa55w0rd-SECRET'], fetch: leaky })
  const basicError = await rejectsWith(basic.runPersistedQuery('a/b'), 'REQUEST_ERROR')
  assert.doesNotMatch(basicError.message, /YWRtaW46UGE1NXcwcmQtU0VDUkVU/)
})

test('a fetch that never resolves times out, and its request is aborted', async () => {
  let signal
  const hanging = (url, options) => { signal = options.signal; return new Promise(() => {}) }
  const aem = new AEMHeadless({ serviceURL: 'https://aem.example', fetch: hanging, timeout: 300 })
  const error = await rejectsWith(aem.runPersistedQuery('a/b'), 'REQUEST_ERROR')
  assert.equal(error.sdkDetails.timeout, true)
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(signal.aborted, true, 'the fetch was told to stop')
})

test('the call\'s signal aborts the fetch in flight', async () => {
  let signal
  const hanging = (url, options) => { signal = options.signal; return new Promise(() => {}) }
  const aem = new AEMHeadless({ serviceURL: 'https://aem.example', fetch: hanging })
  const controller = new AbortController()
  const pending = aem.runPersistedQuery('a/b', {}, { signal: controller.signal })
  setTimeout(() => controller.abort(), 50)
  assert.match((await rejectsWith(pending, 'REQUEST_ERROR')).message, /aborted/)
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(signal.aborted, true)
})

test('a supplied fetch owns retries: one call per request, the retry options as its third argument', async () => {
  const { fetch, calls } = recording(async () => ({ ok: false, status: 503, text: async () => 'busy' }))
  const aem = new AEMHeadless({ serviceURL: 'https://aem.example', fetch })
  await rejectsWith(aem.runPersistedQuery('a/b', {}, {}, { maxRetries: 2 }), 'RESPONSE_ERROR')
  assert.equal(calls.length, 1)
  assert.equal(calls[0].retryOptions.maxRetries, 2)
})

test('transport: \'fetch\' goes through globalThis.fetch, looked up at each request, and retries as the native transport does', async () => {
  const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, transport: 'fetch', retries: { initialDelayMs: 10 } })
  assert.equal(aem.fetch, realFetch)
  const first = recording()
  globalThis.fetch = first.fetch
  const key = `k${Date.now()}`
  const { data } = await aem.runPersistedQuery('fault/flaky', { failures: 2, key })
  assert.deepEqual(data, { flaky: { attempt: 3 } })
  assert.equal(first.calls.length, 3, 'the core retried the two 503s')
  assert.deepEqual(first.calls[0].retryOptions, { maxRetries: 0 }, 'globalThis.fetch is told not to retry')
  const second = recording()
  globalThis.fetch = second.fetch
  await aem.runPersistedQuery('wknd-shared/adventures-all')
  assert.equal(second.calls.length, 1, 'the fetch in place at the time of the request')
})

test('AEM_HEADLESS_TRANSPORT=fetch sends token requests of every kind through globalThis.fetch', async () => {
  process.env.AEM_HEADLESS_TRANSPORT = 'fetch'
  const { fetch, calls } = recording()
  globalThis.fetch = fetch
  const token = await getToken(env.files.credentialsFile)
  assert.equal(typeof token.accessToken, 'string')
  const raw = await exchange(env.emu.credentials)
  assert.equal(raw.token_type, 'bearer')
  const provider = new TokenProvider(env.files.credentialsFile)
  await provider.getAccessToken()
  const { clientId, clientSecret } = env.emu.credentials.integration.technicalAccount
  const oauth = { clientId, clientSecret, scopes: ['AdobeID', 'openid'], imsEndpoint: env.emu.imsEndpoint }
  await getToken(oauth)
  assert.deepEqual(calls.map((call) => new URL(call.url).pathname), ['/ims/exchange/jwt', '/ims/exchange/jwt', '/ims/exchange/jwt', '/ims/token/v3'])
  const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile })
  await aem.runPersistedQuery('wknd-shared/adventures-all')
  assert.deepEqual(calls.slice(4).map((call) => new URL(call.url).pathname), ['/ims/exchange/jwt', '/graphql/execute.json/wknd-shared/adventures-all'])
})

test('through fetch, a revoked token is refreshed once and the request sent again', async () => {
  const { fetch, calls } = recording()
  const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, fetch })
  await aem.runPersistedQuery('wknd-shared/adventures-all')
  const used = calls.at(-1).options.headers.Authorization.slice('Bearer '.length)
  env.emu.revokeToken(used)
  calls.length = 0
  await aem.runPersistedQuery('wknd-shared/adventures-all')
  assert.deepEqual(calls.map((call) => new URL(call.url).pathname), ['/graphql/execute.json/wknd-shared/adventures-all', '/ims/exchange/jwt', '/graphql/execute.json/wknd-shared/adventures-all'])
  assert.notEqual(calls[2].options.headers.Authorization, `Bearer ${used}`)
})

test('through fetch, the response cache and coalescing answer as on the native transport', async () => {
  const { fetch, calls } = recording()
  const aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, fetch, cache: true, coalesce: true })
  const together = await Promise.all([1, 2, 3].map(() => aem.runPersistedQuery('wknd-shared/adventures-all')))
  assert.equal(calls.length, 1, 'three calls in flight together shared one request')
  assert.deepEqual(together[0], together[2])
  await aem.runPersistedQuery('wknd-shared/adventures-all')
  assert.equal(calls.length, 1, 'the cache answered')
})

test('through fetch, calls are logged as on the native transport', async () => {
  const events = []
  const aem = new AEMHeadless({ serviceURL: 'https://aem.example', fetch: async () => ({ ok: true, status: 200, json: async () => ({ data: {} }) }), logger: (event) => events.push(event) })
  await aem.runPersistedQuery('a/b')
  const request = events.find((event) => event.event === 'request')
  assert.equal(request.status, 200)
  assert.equal(request.url, 'https://aem.example/graphql/execute.json/a/b')
})

test('supplied fetch stacks: node-fetch 2 and undici\'s fetch', async () => {
  const https = require('node:https')
  const nodeFetch = require('node-fetch')
  const agent = new https.Agent({ ca: env.emu.caPem })
  const dispatcher = new undici.Agent({ connect: { ca: env.emu.caPem } })
  const stacks = {
    'node-fetch 2': (url, options) => nodeFetch(url, { ...options, agent }),
    'undici fetch': (url, options) => undici.fetch(url, { ...options, dispatcher })
  }
  for (const [name, fetch] of Object.entries(stacks)) {
    const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, fetch })
    const { data } = await aem.runPersistedQuery('wknd-shared/adventures-all')
    assert.ok(data.adventureList.items.length > 0, name)
    const error = await rejectsWith(aem.runPersistedQuery('wknd-shared/no-such-query'), 'API_ERROR')
    assert.equal(error.sdkDetails.status, 404, name)
  }
})

test('through fetch, the request and token channels publish as on the native transport', async () => {
  const diagnostics = require('node:diagnostics_channel')
  const seen = { request: [], token: [] }
  const subscriptions = Object.keys(seen).map((name) => {
    const channel = diagnostics.tracingChannel(`aem-headless-rs:${name}`)
    const handlers = { start () {}, end () {}, asyncStart () {}, asyncEnd: (context) => seen[name].push({ ...context }), error () {} }
    channel.subscribe(handlers)
    return () => channel.unsubscribe(handlers)
  })
  try {
    const aem = new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, fetch: trustingFetch })
    await aem.runPersistedQuery('wknd-shared/adventures-all')
  } finally {
    for (const unsubscribe of subscriptions) unsubscribe()
  }
  assert.equal(seen.token.length, 1)
  assert.equal(seen.token[0].source, 'ims')
  assert.equal(seen.token[0].status, 200)
  assert.equal(seen.request.length, 1)
  assert.equal(seen.request[0].status, 200)
  assert.equal(seen.request[0].attempts, 1)
  assert.equal(seen.request[0].url, `${env.emu.url}/graphql/execute.json/wknd-shared/adventures-all`)
})

test('clients over a fetch are freed with their transport: no cycle holds them', async () => {
  const { execFileSync } = require('node:child_process')
  const script = `
    const AEMHeadless = require(${JSON.stringify(require.resolve('..'))})
    let freed = 0
    const registry = new FinalizationRegistry(() => { freed++ })
    for (let i = 0; i < 500; i++) {
      registry.register(new AEMHeadless({ serviceURL: 'https://aem.example', transport: 'fetch' }), i)
      registry.register(new AEMHeadless({ serviceURL: 'https://aem.example', fetch: async () => ({ ok: true, json: async () => ({}) }) }), i)
    }
    ;(async () => {
      for (let round = 0; round < 20 && freed < 900; round++) {
        global.gc()
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      process.stdout.write(String(freed))
    })()
  `
  const freed = Number(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' }))
  assert.ok(freed >= 900, `${freed} of 1000 clients freed`)
})

test('with a cached token from a TokenProvider, fetch is called before the call returns too', async () => {
  const { fetch, calls } = recording(async () => ({ ok: true, status: 200, json: async () => ({ data: {} }) }))
  const aem = new AEMHeadless({ serviceURL: 'https://aem.example', credentials: { accessToken: env.emu.devToken.accessToken }, fetch })
  await aem.runPersistedQuery('a/b')
  const pending = aem.runPersistedQuery('a/c')
  assert.equal(calls.length, 2, 'the second call reached fetch synchronously')
  assert.equal(calls[1].options.headers.Authorization, `Bearer ${env.emu.devToken.accessToken}`)
  await pending
})
