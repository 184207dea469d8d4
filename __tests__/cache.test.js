'use strict'

// The opt-in response cache and request coalescing for persisted-query GETs, against the
// emulator's `test/cache-control` query, whose `serial` grows with every answer it sends.

const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const AEMHeadless = require('..')
const { setup, rejectsWith } = require('./helpers')

let env
let auth

before(async () => {
  env = await setup()
  auth = env.emu.devToken.accessToken
})
after(() => env.close())
beforeEach(() => env.emu.clearRequests())

const QUERY = 'test/cache-control'

/** How many requests for `test/cache-control` the emulator has answered since the last clear. */
function served () {
  return env.emu.requests.filter((r) => r.url.startsWith(`/graphql/execute.json/${QUERY}`)).length
}

function client (options = {}) {
  return new AEMHeadless({ serviceURL: env.emu.url, auth, ca: env.emu.caPem, ...options })
}

async function serial (aem, variables, options) {
  const { data } = await aem.runPersistedQuery(QUERY, variables, options)
  return data.cached.serial
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

test('without the cache option every call goes to AEM', async () => {
  const aem = client()
  const first = await serial(aem, { cc: 'max-age=60' })
  assert.notEqual(await serial(aem, { cc: 'max-age=60' }), first)
  assert.equal(served(), 2)
})

test('a response with max-age is served from the cache, as a fresh object each time', async () => {
  const aem = client({ cache: true })
  const first = await aem.runPersistedQuery(QUERY, { cc: 'public, max-age=60' })
  first.data.cached.serial = -1
  const second = await aem.runPersistedQuery(QUERY, { cc: 'public, max-age=60' })
  assert.notEqual(second.data.cached.serial, -1, 'a caller mutating its result does not change the cache')
  assert.deepEqual(await aem.runPersistedQuery(QUERY, { cc: 'public, max-age=60' }), second)
  assert.equal(served(), 1)
  // Other variables are another URL, so another entry.
  await serial(aem, { cc: 'public, max-age=60', x: 1 })
  assert.equal(served(), 2)
})

test('a fresh hit is answered on the calling thread: no hand-off to the I/O thread, nothing waits for the event loop', async () => {
  const aem = client({ cache: true, transport: 'native' })
  const cc = { cc: 'public, max-age=60' }
  const first = await serial(aem, cc)
  for (const options of [undefined, { headers: { 'X-Call': 'same' } }]) {
    if (options) await serial(aem, cc, options)
    let turned = false
    const immediate = setImmediate(() => { turned = true })
    const answer = await aem.runPersistedQuery(QUERY, cc, options)
    clearImmediate(immediate)
    assert.equal(turned, false, 'a fresh hit resolves before the event loop turns')
    if (!options) assert.equal(answer.data.cached.serial, first)
  }
  // A miss still goes to AEM, through the I/O thread.
  let turned = false
  const immediate = setImmediate(() => { turned = true })
  await serial(aem, { ...cc, other: 1 })
  clearImmediate(immediate)
  assert.equal(turned, true)
  assert.equal(served(), 3)
})

test('an entry lives for max-age less Age, then AEM is asked again', async () => {
  const aem = client({ cache: { maxEntries: 10 } })
  const vars = { cc: 'max-age=3', age: 1 }
  const first = await serial(aem, vars)
  assert.equal(await serial(aem, vars), first)
  await sleep(2300)
  assert.notEqual(await serial(aem, vars), first, 'stale after 3 - 1 = 2 seconds')
  assert.equal(served(), 2)
  // Age at or past max-age: already stale, never stored.
  await serial(aem, { cc: 'max-age=60', age: 60 })
  await serial(aem, { cc: 'max-age=60', age: 60 })
  assert.equal(served(), 4)
})

test('responses without max-age, or marked private, no-store or no-cache, or Vary: *, are never stored', async () => {
  const aem = client({ cache: true })
  const cases = [
    {},
    { cc: 's-maxage=60' },
    { cc: 'max-age=60, private' },
    { cc: 'no-store, max-age=60' },
    { cc: 'max-age=60, no-cache' },
    { cc: 'max-age=60', vary: '*' }
  ]
  for (const vars of cases) {
    const first = await serial(aem, vars)
    assert.notEqual(await serial(aem, vars), first, JSON.stringify(vars))
  }
  assert.equal(served(), cases.length * 2)
})

test('errors are never stored: HTTP errors, GraphQL errors', async () => {
  const aem = client({ cache: true })
  for (let i = 0; i < 2; i++) {
    await rejectsWith(aem.runPersistedQuery(QUERY, { cc: 'max-age=60', status: 500 }, {}, { maxRetries: 0 }), 'API_ERROR')
    await rejectsWith(aem.runPersistedQuery(QUERY, { cc: 'max-age=60', errors: 1 }), 'RESPONSE_ERROR')
  }
  assert.equal(served(), 4)
})

test('entries are kept per auth identity and per call headers', async () => {
  const aem = client({ cache: true })
  const [a, b] = [env.emu.issueToken(), env.emu.issueToken()]
  const vars = { cc: 'max-age=60' }
  const withA = await serial(aem, vars, { headers: { Authorization: `Bearer ${a}` } })
  const withB = await serial(aem, vars, { headers: { authorization: `Bearer ${b}` } })
  const own = await serial(aem, vars)
  assert.equal(new Set([withA, withB, own]).size, 3)
  assert.equal(await serial(aem, vars, { headers: { Authorization: `Bearer ${a}` } }), withA)
  assert.equal(await serial(aem, vars), own)
  const german = await serial(aem, vars, { headers: { 'Accept-Language': 'de' } })
  assert.notEqual(german, own)
  assert.equal(await serial(aem, vars, { headers: { 'accept-language': 'de' } }), german)
  assert.equal(served(), 4)
  // Another client has its own cache.
  assert.notEqual(await serial(client({ cache: true }), vars), own)
})

test('maxEntries and maxBytes bound the cache, least recently used out first', async () => {
  const aem = client({ cache: { maxEntries: 2 } })
  const [x, y, z] = [{ cc: 'max-age=60', k: 'x' }, { cc: 'max-age=60', k: 'y' }, { cc: 'max-age=60', k: 'z' }]
  const sx = await serial(aem, x)
  await serial(aem, y)
  assert.equal(await serial(aem, x), sx)
  await serial(aem, z) // evicts y, the least recently used
  assert.equal(await serial(aem, x), sx)
  assert.equal(served(), 3)
  await serial(aem, y)
  assert.equal(served(), 4)

  const tiny = client({ cache: { maxBytes: 50 } })
  const first = await serial(tiny, x)
  assert.notEqual(await serial(tiny, x), first, 'a response larger than maxBytes is not stored')
})

test('clearCache() empties it; POST persisted queries and runQuery are never cached', async () => {
  const aem = client({ cache: true })
  const vars = { cc: 'max-age=60' }
  const first = await serial(aem, vars)
  aem.clearCache()
  assert.notEqual(await serial(aem, vars), first)
  const post = await serial(aem, vars, { method: 'POST' })
  assert.notEqual(await serial(aem, vars, { method: 'POST' }), post)
  assert.equal(served(), 4)
  client().clearCache() // no cache: nothing to do
})

test('cache and coalesce options are checked', () => {
  for (const cache of ['yes', 1, [], { maxEntries: 0 }, { maxEntries: 1.5 }, { maxBytes: -1 }, { maxBytes: '10' }]) {
    assert.throws(() => client({ cache }), (error) => error.code === 'INVALID_PARAM' && /cache/.test(error.message), JSON.stringify(cache))
  }
  assert.throws(() => client({ coalesce: 'true' }), (error) => error.code === 'INVALID_PARAM' && /coalesce/.test(error.message))
  for (const cache of [false, null, undefined, true, {}, { maxEntries: 5, maxBytes: 1024 }]) client({ cache })
})

test('coalescing: identical calls in flight together make one request, each gets its own object', async () => {
  const vars = { delay: 300 }
  const plain = client()
  await Promise.all(Array.from({ length: 5 }, () => serial(plain, vars)))
  assert.equal(served(), 5, 'without coalesce each call is a request')
  env.emu.clearRequests()

  const aem = client({ coalesce: true })
  const results = await Promise.all(Array.from({ length: 20 }, () => aem.runPersistedQuery(QUERY, vars)))
  assert.equal(served(), 1)
  assert.equal(new Set(results.map((r) => r.data.cached.serial)).size, 1)
  assert.notEqual(results[0], results[1])
  results[0].data.cached.serial = -1
  assert.notEqual(results[1].data.cached.serial, -1)
  // Once it finished, the next call is a new request; other variables never share.
  const [again, other] = await Promise.all([serial(aem, vars), serial(aem, { ...vars, k: 1 })])
  assert.notEqual(again, other)
  assert.equal(served(), 3)
})

test('coalescing shares an error, and an aborted caller leaves the others their result', async () => {
  const aem = client({ coalesce: true })
  const failing = { delay: 200, status: 500 }
  const errors = await Promise.all(Array.from({ length: 5 }, () =>
    rejectsWith(aem.runPersistedQuery(QUERY, failing, {}, { maxRetries: 0 }), 'API_ERROR')))
  assert.equal(served(), 1)
  for (const error of errors) assert.equal(error.sdkDetails.status, 500)
  env.emu.clearRequests()

  const controller = new AbortController()
  const vars = { delay: 300 }
  const first = aem.runPersistedQuery(QUERY, vars, { signal: controller.signal })
  const others = Array.from({ length: 5 }, () => serial(aem, vars))
  setTimeout(() => controller.abort(), 50)
  await rejectsWith(first, 'REQUEST_ERROR')
  const serials = await Promise.all(others)
  assert.equal(new Set(serials).size, 1)
  assert.ok(served() <= 2, `the request was taken over, not repeated per caller (${served()})`)
})

test('coalescing and the cache work together behind a token provider', async () => {
  const aem = new AEMHeadless({
    serviceURL: env.emu.url,
    credentials: env.files.credentialsFile,
    imsEndpoint: env.emu.imsEndpoint,
    ca: env.emu.caPem,
    cache: true,
    coalesce: true
  })
  const vars = { cc: 'max-age=60', delay: 200 }
  const serials = await Promise.all(Array.from({ length: 10 }, () => serial(aem, vars)))
  assert.equal(new Set(serials).size, 1)
  assert.equal(await serial(aem, vars), serials[0], 'then served from the cache')
  assert.equal(served(), 1)
})
