'use strict'

// The response cache by HTTP's rules (RFC 9111, RFC 5861) against an origin on loopback whose
// answers and failures each test sets: stale-while-revalidate answers at once and revalidates
// once in the background, stale-if-error answers through 503s, refused connections and a hanging
// origin until its window ends, revalidation is conditional (304), Surrogate-Control's windows
// count when Cache-Control has none, the client's own windows apply to answers without any, and
// must-revalidate forbids stale. What was stale, and why, shows in logs, channels and spans.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const https = require('node:https')
const diagnostics = require('node:diagnostics_channel')
const { createTlsCertificate } = require('../emulator/tls')
const { AEMHeadless } = require('..')

const QUERY = 'wknd-shared/adventures-all'
const PATH = `/graphql/execute.json/${QUERY}`

/** An origin whose next answers a test sets: `mode` is ok, 503, hang or refuse. */
class Origin {
  constructor (tls) {
    this.tls = tls
    this.mode = 'ok'
    this.headers = {}
    this.version = 1
    this.requests = []
    this.sockets = new Set()
    this.server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => this.answer(req, res))
    this.server.on('connection', (socket) => {
      this.sockets.add(socket)
      socket.on('close', () => this.sockets.delete(socket))
    })
  }

  async listen (port = 0) {
    await new Promise((resolve) => this.server.listen(port, '127.0.0.1', resolve))
    this.port = this.server.address().port
    this.url = `https://127.0.0.1:${this.port}`
  }

  answer (req, res) {
    this.requests.push({ url: req.url, ifNoneMatch: req.headers['if-none-match'], ifModifiedSince: req.headers['if-modified-since'] })
    if (this.mode === 'hang') return
    if (this.mode === '503') {
      res.writeHead(503, { 'content-type': 'text/html' })
      return res.end('<html><body>Service Unavailable</body></html>')
    }
    if (this.status !== undefined) {
      res.writeHead(this.status, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ errors: [{ message: `status ${this.status}` }] }))
    }
    const etag = `"v${this.version}"`
    const headers = { 'content-type': 'application/json', etag, 'last-modified': 'Sat, 05 Dec 2026 00:00:00 GMT', ...this.headers }
    if (req.headers['if-none-match'] === etag || this.alwaysNotModified) {
      // A 304 carries what `notModified` says, or else every header of the 200.
      res.writeHead(304, this.notModified ?? headers)
      return res.end()
    }
    res.writeHead(200, headers)
    res.end(JSON.stringify({ data: { adventureList: { items: [{ version: this.version }] } } }))
  }

  /** Connections are refused: the listener closes and every connection goes. */
  async refuse () {
    this.mode = 'refuse'
    await new Promise((resolve) => { this.server.close(resolve); for (const s of this.sockets) s.destroy() })
  }

  async restore () {
    this.mode = 'ok'
    if (!this.server.listening) await this.listen(this.port)
  }

  close () {
    for (const socket of this.sockets) socket.destroy()
    return new Promise((resolve) => this.server.close(() => resolve()))
  }
}

let tls
let origin
before(async () => {
  tls = await createTlsCertificate()
  origin = new Origin(tls)
  await origin.listen()
})
after(() => origin.close())

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function client (extra = {}) {
  const events = []
  const aem = new AEMHeadless({ serviceURL: origin.url, auth: 'token', ca: tls.caPem, cache: true, timeout: 1500, retries: { maxRetries: 0 }, logger: (event) => events.push(event), ...extra })
  const run = () => aem.runPersistedQuery(QUERY).then((r) => r.data.adventureList.items[0].version)
  return { aem, run, events, requests: () => events.filter((e) => e.event === 'request') }
}

function reset (headers) {
  origin.headers = headers
  origin.version = 1
  origin.requests = []
  origin.mode = 'ok'
  origin.status = undefined
  origin.notModified = undefined
  origin.alwaysNotModified = false
}

/** A store in memory with a lease, as Redis through createRedisStore is: for clients of one process. */
function memoryStore ({ lease = true } = {}) {
  const values = new Map()
  const leases = new Set()
  const store = {
    values,
    get: async (key) => values.get(key),
    set: async (key, value) => { values.set(key, value) }
  }
  if (lease) {
    store.lease = async (key) => {
      if (leases.has(key)) return null
      leases.add(key)
      return async () => { leases.delete(key) }
    }
  }
  return store
}

test('stale-while-revalidate: a stale entry answers at once, one background revalidation runs, conditionally', async () => {
  reset({ 'cache-control': 'max-age=1, stale-while-revalidate=30' })
  const { run, requests } = client()
  assert.equal(await run(), 1)
  await sleep(1100)
  origin.version = 2
  origin.mode = 'hang'
  // The origin hangs: an answer can only come from the cache, at once (waiting would time out).
  const answers = await Promise.all(Array.from({ length: 20 }, run))
  assert.deepEqual(new Set(answers), new Set([1]))
  await sleep(50)
  assert.equal(origin.requests.length, 2, 'one revalidation for 20 stale calls')
  assert.equal(origin.requests[1].ifNoneMatch, '"v1"')
  assert.ok(requests().slice(1).every((e) => e.cached === true && e.stale === 'stale-while-revalidate'))
  // The hanging revalidation gives up; the next stale call starts another, which brings v2.
  origin.mode = 'ok'
  await sleep(1600)
  assert.equal(await run(), 1)
  await sleep(200)
  assert.equal(await run(), 2, 'the background revalidation stored the new answer')
})

test('a 304 renews the stored entry without a body', async () => {
  reset({ 'cache-control': 'max-age=1' })
  const { run, requests } = client()
  assert.equal(await run(), 1)
  await sleep(1100)
  assert.equal(await run(), 1)
  assert.equal(origin.requests.length, 2)
  assert.equal(origin.requests[1].ifNoneMatch, '"v1"')
  assert.equal(origin.requests[1].ifModifiedSince, 'Sat, 05 Dec 2026 00:00:00 GMT')
  const revalidated = requests()[1]
  assert.equal(revalidated.cached, true)
  assert.equal(revalidated.attempts, 1)
  assert.equal(await run(), 1)
  assert.equal(origin.requests.length, 2, 'fresh again after the 304')
})

for (const outage of ['503', 'hang', 'refuse']) {
  test(`stale-if-error: ${outage} is answered with the stale entry inside the window, and is an error after it`, async () => {
    reset({ 'cache-control': 'max-age=1, stale-if-error=3' })
    const { run, requests } = client({ timeout: 600 })
    assert.equal(await run(), 1)
    await sleep(1050)
    if (outage === 'refuse') await origin.refuse()
    else origin.mode = outage
    try {
      const answers = await Promise.all(Array.from({ length: 5 }, run))
      assert.deepEqual(answers, [1, 1, 1, 1, 1], 'no call failed inside stale-if-error')
      const stale = requests().slice(1)
      assert.ok(stale.every((e) => e.cached === true && e.stale === 'stale-if-error'), JSON.stringify(stale))
      await sleep(3100)
      const error = await run().then(() => null, (e) => e)
      assert.ok(error, 'an error once the window has passed')
      assert.equal(error.code, outage === '503' ? 'RESPONSE_ERROR' : 'REQUEST_ERROR')
    } finally {
      await origin.restore()
    }
  })
}

test('Surrogate-Control brings the stale windows when Cache-Control has none; the client can set its own', async () => {
  reset({ 'cache-control': 'max-age=1', 'surrogate-control': 'max-age=7200, stale-if-error=30' })
  const adobe = client()
  assert.equal(await adobe.run(), 1)
  await sleep(1050)
  origin.mode = '503'
  assert.equal(await adobe.run(), 1, 'stale-if-error from Surrogate-Control')
  assert.equal(adobe.requests().at(-1).stale, 'stale-if-error')

  reset({ 'cache-control': 'max-age=1' })
  const bare = client()
  assert.equal(await bare.run(), 1)
  await sleep(1050)
  origin.mode = '503'
  await assert.rejects(bare.run(), (e) => e.sdkDetails.status === 503, 'no window: the error')
  origin.mode = 'ok'
  const own = client({ cache: { staleIfError: 60 } })
  assert.equal(await own.run(), 1)
  await sleep(1050)
  origin.mode = '503'
  assert.equal(await own.run(), 1, 'the client\'s own stale-if-error')
})

test('must-revalidate and no-cache forbid stale; private and no-store are not stored', async () => {
  reset({ 'cache-control': 'max-age=1, stale-if-error=60, must-revalidate' })
  const strict = client()
  assert.equal(await strict.run(), 1)
  await sleep(1050)
  origin.mode = '503'
  await assert.rejects(strict.run(), (e) => e.sdkDetails.status === 503)

  reset({ 'cache-control': 'no-cache' })
  const noCache = client()
  assert.equal(await noCache.run(), 1)
  assert.equal(await noCache.run(), 1)
  assert.equal(origin.requests.length, 2, 'revalidated at every use')
  assert.equal(origin.requests[1].ifNoneMatch, '"v1"')

  for (const directive of ['private, max-age=60', 'no-store, max-age=60']) {
    reset({ 'cache-control': directive })
    const c = client()
    await c.run()
    await c.run()
    assert.equal(origin.requests.length, 2, directive)
  }
})

test('the stale answer is visible: the request channel and the log say so, and why', async () => {
  reset({ 'cache-control': 'max-age=1, stale-while-revalidate=30' })
  const { run, requests } = client()
  await run()
  await sleep(1050)
  const seen = []
  const subscriber = { asyncEnd: (context) => seen.push({ stale: context.stale, cached: context.cached }) }
  diagnostics.tracingChannel('aem-headless-rs:request').subscribe(subscriber)
  try {
    await run()
  } finally {
    diagnostics.tracingChannel('aem-headless-rs:request').unsubscribe(subscriber)
  }
  assert.deepEqual(seen, [{ stale: 'stale-while-revalidate', cached: true }])
  assert.equal(requests().at(-1).stale, 'stale-while-revalidate')
})

test('a 304 updates only the headers it carries: Surrogate-Control\'s windows stay; a 304 that forbids storing removes the entry', async () => {
  reset({ 'cache-control': 'max-age=1', 'surrogate-control': 'stale-if-error=60' })
  origin.notModified = { etag: '"v1"' }
  const { run, requests } = client()
  assert.equal(await run(), 1)
  await sleep(1050)
  assert.equal(await run(), 1, 'revalidated by a 304 with only its ETag')
  await sleep(1050)
  origin.mode = '503'
  assert.equal(await run(), 1, 'stale-if-error from the stored Surrogate-Control')
  assert.equal(requests().at(-1).stale, 'stale-if-error')

  reset({ 'cache-control': 'max-age=1, stale-if-error=600' })
  origin.notModified = { 'cache-control': 'no-store' }
  const forbidden = client()
  assert.equal(await forbidden.run(), 1)
  await sleep(1050)
  assert.equal(await forbidden.run(), 1, 'the 304\'s body is the stored one, once')
  origin.mode = '503'
  await assert.rejects(forbidden.run(), (e) => e.sdkDetails.status === 503, 'no entry left to serve stale')
})

test('a 304 to a request without the cache\'s validators is an error, not a loop; a call with its own validators bypasses the cache', async () => {
  reset({ 'cache-control': 'max-age=60' })
  origin.alwaysNotModified = true
  for (const extra of [{}, { coalesce: true }, { cache: false, coalesce: true }]) {
    origin.requests = []
    const { run } = client(extra)
    const error = await run().then(() => null, (e) => e)
    assert.ok(error, JSON.stringify(extra))
    assert.equal(error.sdkDetails.status, 304)
    assert.ok(origin.requests.length <= 2, `${origin.requests.length} requests`)
  }
  reset({ 'cache-control': 'max-age=60' })
  const { aem } = client()
  await aem.runPersistedQuery(QUERY)
  const own = await aem.runPersistedQuery(QUERY, {}, { headers: { 'If-None-Match': '"v1"' } }).catch((e) => e)
  assert.equal(own.sdkDetails.status, 304, 'AEM\'s answer to the call\'s own validators')
  assert.equal(origin.requests.length, 2)
})

test('a 403, 404 or 410 and an answer that may not be stored remove the entry: no stale content of a deleted query', async () => {
  reset({ 'cache-control': 'max-age=1, stale-while-revalidate=30, stale-if-error=600' })
  const { run } = client()
  assert.equal(await run(), 1)
  await sleep(1050)
  origin.status = 404
  assert.equal(await run(), 1, 'stale while the background revalidation runs')
  await sleep(200)
  await assert.rejects(run(), (e) => e.sdkDetails.status === 404, 'the entry is gone')
})

test('with a store: keys hold the service URL and the client\'s headers, one background revalidation, clearCache forgets older entries', async () => {
  reset({ 'cache-control': 'max-age=60' })
  const store = memoryStore()
  const mine = client({ cache: { store }, headers: { 'accept-language': 'de' } })
  assert.equal(await mine.run(), 1)
  origin.version = 2
  const otherHeaders = client({ cache: { store }, headers: { 'accept-language': 'en' } })
  assert.equal(await otherHeaders.run(), 2, 'other headers: not the store\'s entry')
  const other = new Origin(tls)
  await other.listen()
  try {
    other.headers = { 'cache-control': 'max-age=60' }
    other.version = 7
    const otherHost = new AEMHeadless({ serviceURL: other.url, auth: 'token', ca: tls.caPem, cache: { store }, headers: { 'accept-language': 'de' } })
    assert.equal((await otherHost.runPersistedQuery(QUERY)).data.adventureList.items[0].version, 7, 'another host: not the store\'s entry')
  } finally {
    await other.close()
  }
  const sameAsMine = client({ cache: { store }, headers: { 'accept-language': 'de' } })
  assert.equal(await sameAsMine.run(), 1, 'same host and headers: the store\'s entry')
  sameAsMine.aem.clearCache()
  assert.equal(await sameAsMine.run(), 2, 'after clearCache, not the older entry')

  reset({ 'cache-control': 'max-age=1, stale-while-revalidate=30' })
  const withoutLease = memoryStore({ lease: false })
  const swr = client({ cache: { store: withoutLease } })
  await swr.run()
  await sleep(1050)
  origin.mode = 'hang'
  await Promise.all(Array.from({ length: 10 }, swr.run))
  await sleep(100)
  assert.equal(origin.requests.length, 2, 'one background revalidation, with a store without lease too')
  origin.mode = 'ok'
})

test('with a store: a holder that stores nothing or dies does not hold the others up for their timeout', async () => {
  reset({ 'cache-control': 'no-store' })
  origin.mode = 'ok'
  const store = memoryStore()
  const holder = client({ cache: { store }, timeout: 4000 })
  const waiter = client({ cache: { store }, timeout: 4000, coalesce: true })
  const [a, b] = await Promise.all([holder.run(), waiter.run()])
  assert.deepEqual([a, b], [1, 1])

  // A lease taken and never given back (its process died): the others still answer.
  reset({ 'cache-control': 'max-age=60' })
  const dead = memoryStore()
  dead.lease = async () => null
  const survivor = client({ cache: { store: dead }, timeout: 1000, coalesce: true })
  assert.equal(await survivor.run(), 1)
})
