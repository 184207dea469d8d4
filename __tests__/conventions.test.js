'use strict'

// What Adobe's callers pass works the same: header shapes fetch takes, Basic auth outside ASCII,
// a shared AbortSignal, loaded credentials in exchange(), and the details a review found wrong
// (whole-millisecond expiries, single flight after invalidate, the cache key, one warm pool
// whatever the per-call connectTimeout).

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const diagnostics = require('node:diagnostics_channel')
const fs = require('node:fs')
const path = require('node:path')
const { getEventListeners } = require('node:events')
const AEMHeadless = require('..')
const { TokenProvider, loadCredentials, exchange } = AEMHeadless
const { setup, rejectsWith } = require('./helpers')

let env
let aem

before(async () => {
  env = await setup()
  aem = new AEMHeadless({ serviceURL: env.emu.url, ca: env.emu.caPem })
})
after(() => env.close())

const QUERY = 'wknd-shared/adventures-all'

/** The headers of the last request the emulator received. */
function lastHeaders () {
  return env.emu.requests.at(-1).headers
}

test('per-call headers as a Headers, a Map or an array of pairs reach AEM, Authorization included', async () => {
  const bearer = `Bearer ${env.emu.devToken.accessToken}`
  const shapes = [
    new Headers({ Authorization: bearer, 'X-Trace': 'h' }),
    new Map([['Authorization', bearer], ['X-Trace', 'm']]),
    [['Authorization', bearer], ['X-Trace', 'a'], ['x-trace', 'b']]
  ]
  const traces = []
  for (const headers of shapes) {
    const { data } = await aem.runPersistedQuery(QUERY, {}, { headers })
    assert.equal(data.adventureList.items.length, 16)
    assert.equal(lastHeaders().authorization, bearer)
    traces.push(lastHeaders()['x-trace'])
  }
  // A name given twice in pairs is joined, as fetch's Headers joins it.
  assert.deepEqual(traces, ['h', 'm', 'a, b'])
  // The client's own headers take the same shapes.
  const withHeaders = new AEMHeadless({ serviceURL: env.emu.url, ca: env.emu.caPem, headers: new Headers({ Authorization: bearer }) })
  await withHeaders.runPersistedQuery(QUERY)
  assert.equal(lastHeaders().authorization, bearer)
})

test('per-call headers of any other shape are INVALID_PARAM', async () => {
  for (const headers of ['Authorization: x', 42, new Set(['a']), [['only-a-name']], [42], () => {}]) {
    const error = await rejectsWith(aem.runPersistedQuery(QUERY, {}, { headers }), 'INVALID_PARAM')
    assert.match(error.message, /options\.headers/)
  }
})

test('Basic auth outside ASCII sends the bytes btoa gives, as Adobe\'s client does', async () => {
  const basic = new AEMHeadless({ serviceURL: env.emu.url, ca: env.emu.caPem, auth: ['admin', 'pä:ss'] })
  await basic.runPersistedQuery(QUERY).catch(() => {})
  assert.equal(lastHeaders().authorization, `Basic ${btoa('admin:pä:ss')}`)
  // btoa (and so Adobe's client) cannot encode a character past U+00FF: a clear error here.
  assert.throws(() => new AEMHeadless({ serviceURL: env.emu.url, auth: ['admin', 'p€ss'] }), (e) => e.code === 'INVALID_PARAM' && !e.message.includes('p€ss'))
})

test('one AbortSignal shared by many calls holds at most one listener and prints no warning', async () => {
  const warnings = []
  const onWarning = (warning) => warnings.push(warning.name)
  process.on('warning', onWarning)
  try {
    const controller = new AbortController()
    const { signal } = controller
    const auth = env.emu.devToken.accessToken
    const client = new AEMHeadless({ serviceURL: env.emu.url, ca: env.emu.caPem, auth })
    const tokens = new AEMHeadless({ serviceURL: env.emu.url, ca: env.emu.caPem, credentials: env.emu.credentials })
    for (let i = 0; i < 15; i++) await client.runPersistedQuery(QUERY, {}, { signal })
    await Promise.all(Array.from({ length: 30 }, () => client.runPersistedQuery(QUERY, {}, { signal })))
    await Promise.all(Array.from({ length: 15 }, () => tokens.runPersistedQuery(QUERY, {}, { signal })))
    assert.equal(getEventListeners(signal, 'abort').length, 0)
    // Aborting still cancels every call in flight.
    const inFlight = Array.from({ length: 12 }, () => client.runPersistedQuery('test/cache-control', { delay: 2000 }, { signal }))
    assert.equal(getEventListeners(signal, 'abort').length, 1)
    controller.abort()
    // Every rejection handled at once (awaited one after the other, a later one can be unhandled for a moment).
    await Promise.all(inFlight.map((call) => rejectsWith(call, 'REQUEST_ERROR')))
    await new Promise((resolve) => setImmediate(resolve))
    assert.deepEqual(warnings.filter((name) => name === 'MaxListenersExceededWarning'), [])
  } finally {
    process.off('warning', onWarning)
  }
})

test('exchange(await loadCredentials(x)) exchanges, with expires_in as IMS sent it', async () => {
  const loaded = await loadCredentials(env.emu.credentials)
  const answer = await exchange(loaded, { ca: env.emu.caPem })
  assert.match(answer.access_token, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
  assert.equal(answer.token_type, 'bearer')
  assert.equal(answer.expires_in, 86399999)
  await rejectsWith(exchange(loaded, { ca: 42 }), 'INVALID_PARAM')
})

test('expiresAt is a whole number of milliseconds', async () => {
  const token = await new TokenProvider(env.emu.credentials, { ca: env.emu.caPem }).getAccessToken()
  assert.ok(Number.isInteger(token.expiresAt), String(token.expiresAt))
})

test('after invalidate(), an older refresh settling does not clear the newer one (no third exchange)', async () => {
  // A store whose reads are held until the test lets them go, one by one.
  const reads = []
  const store = {
    get: () => new Promise((resolve) => reads.push(() => resolve(null))),
    set: async () => {}
  }
  const provider = new TokenProvider(env.emu.credentials, { ca: env.emu.caPem, store })
  const first = provider.getAccessToken()
  while (reads.length < 1) await new Promise((resolve) => setImmediate(resolve))
  provider.invalidate()
  const second = provider.getAccessToken()
  while (reads.length < 2) await new Promise((resolve) => setImmediate(resolve))
  reads[0]()
  await first
  // The second refresh is still pending: this call must join it.
  const third = provider.getAccessToken()
  await new Promise((resolve) => setTimeout(resolve, 50))
  assert.equal(reads.length, 2, 'a third refresh started')
  reads[1]()
  const [a, b] = await Promise.all([second, third])
  assert.equal(a.accessToken, b.accessToken)
})

test('headers are validated before the cache answers, and distinct header sets never share a key', async () => {
  const auth = env.emu.devToken.accessToken
  const cached = new AEMHeadless({ serviceURL: env.emu.url, ca: env.emu.caPem, auth, cache: true })
  await cached.runPersistedQuery('test/cache-control', { cc: 'max-age=60' }, { headers: { a: '1', b: '2' } })
  await rejectsWith(cached.runPersistedQuery('test/cache-control', { cc: 'max-age=60' }, { headers: { a: '1\nb:2' } }), 'INVALID_PARAM')
})

test('per-call connectTimeout values share one warm pool: 20 values open no more connections than 1', async () => {
  let accepted = 0
  const count = () => { accepted++ }
  diagnostics.subscribe('net.server.socket', count)
  try {
    const auth = env.emu.devToken.accessToken
    const client = new AEMHeadless({ serviceURL: env.emu.url, ca: env.emu.caPem, auth })
    const connectionsFor = async (values) => {
      const start = accepted
      for (let i = 0; i < 100; i++) await client.runPersistedQuery(QUERY, {}, { connectTimeout: values[i % values.length] })
      return accepted - start
    }
    const one = await connectionsFor([5000])
    const twenty = await connectionsFor(Array.from({ length: 20 }, (_, i) => 3000 + i * 250))
    assert.ok(twenty <= Math.max(one, 1), `20 connect timeouts opened ${twenty} connections, 1 opened ${one}`)
  } finally {
    diagnostics.unsubscribe('net.server.socket', count)
  }
})

test('require() and a client leave the modules of features not used yet unloaded (start-up time)', () => {
  const { execFileSync } = require('node:child_process')
  const root = path.join(__dirname, '..')
  const script = `const AEMHeadless = require(${JSON.stringify(root)}); new AEMHeadless({ serviceURL: 'https://publish-p1-e2.adobeaemcloud.com' }); process.stdout.write(JSON.stringify(Object.keys(require.cache)))`
  const loaded = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })).map((file) => path.relative(root, file).split(path.sep).join('/'))
  assert.ok(loaded.includes('lib/auth-fetch.js'), loaded.join(' '))
  const later = ['lib/upload/', 'lib/api-request.js', 'lib/redis-store.js', 'lib/cache-store.js', 'lib/events-handler.js', 'lib/journal.js', 'lib/invalidations.js', 'lib/cdn-purge.js', 'lib/event-invalidations.js']
  assert.deepEqual(loaded.filter((file) => later.some((lazy) => file.startsWith(lazy))), [])
})

test('the README is a front door under 15 KB: the rest is in docs/, linked from it', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8')
  assert.ok(Buffer.byteLength(readme) < 15 * 1024, `README.md is ${Buffer.byteLength(readme)} bytes`)
  // Every guide is reachable from the README, following links between the guides.
  const docs = path.join(__dirname, '..', 'docs')
  const reached = new Set()
  const linksOf = (text) => [...text.matchAll(/\]\((?:docs\/)?([A-Z][A-Z-]*\.md)(?:#[^)]*)?\)/g)].map((match) => match[1])
  const queue = linksOf(readme)
  while (queue.length > 0) {
    const guide = queue.shift()
    if (reached.has(guide) || !fs.existsSync(path.join(docs, guide))) continue
    reached.add(guide)
    queue.push(...linksOf(fs.readFileSync(path.join(docs, guide), 'utf8')))
  }
  for (const guide of fs.readdirSync(docs).filter((file) => file.endsWith('.md'))) {
    assert.ok(reached.has(guide), `docs/${guide} is reachable from README.md`)
  }
})
