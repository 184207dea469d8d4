'use strict'

// aem.cache.invalidate reaches every client that shares the cache's store: the others in this
// process at once, other processes at once through the store's publish/subscribe (a real
// redis-server, node-redis and ioredis), else by polling the store's log of invalidations; a
// process that fell behind the log marks everything stale; a store that is down leaves each
// process invalidating itself, said in the logs. Each "process" here is a client with a store
// object of its own, as a process would have, over the same data.

const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const { setTimeout: sleep } = require('node:timers/promises')
const redis = require('redis')
const IORedis = require('ioredis')
const AEMHeadless = require('..')
const { createRedisStore } = require('../lib/redis-store')
const { setup, eventually } = require('./helpers')
const { startRedis, skipWithoutRedis } = require('./support/redis-server')

const skip = skipWithoutRedis()
let env
let server
const connections = []

before(async () => {
  env = await setup()
  if (!skip) server = await startRedis()
})
after(async () => {
  for (const connection of connections) await connection.quit().catch(() => {})
  if (server) await server.stop()
  await env.close()
})
beforeEach(() => env.emu.clearRequests())

const BY_SLUG = 'wknd-shared/adventure-by-slug'
const ALL = 'wknd-shared/adventures-all'

function client (cache, options = {}) {
  return new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem, transport: 'native', cache, ...options })
}

const served = (query) => env.emu.requests.filter((r) => r.url.startsWith(`/graphql/execute.json/${query}`)).length

/** A store of one process over `data`, a Map all the processes share (get and set only, or with more). */
function mapStore (data, extra = {}) {
  return {
    async get (key) { return data.get(key) ?? null },
    async set (key, value) { data.set(key, value) },
    ...extra
  }
}

/** Two slugs' answers and the list, fetched by `aem`; returns the slugs and the first one's `_path`. */
async function filled (aem) {
  const { data } = await aem.runPersistedQuery(ALL)
  const slugs = data.adventureList.items.slice(0, 2).map((item) => item.slug)
  const first = await aem.runPersistedQuery(BY_SLUG, { slug: slugs[0] })
  await aem.runPersistedQuery(BY_SLUG, { slug: slugs[1] })
  return { slugs, path: first.data.adventureList.items[0]._path }
}

/** Whether `aem` asks AEM again for the slug (its entry was invalidated): one call, AEM's count compared. */
async function refetches (aem, slug) {
  const before = served(BY_SLUG)
  await aem.runPersistedQuery(BY_SLUG, { slug })
  return served(BY_SLUG) > before
}

test('clients of one store in this process hear each other at once', async () => {
  const store = mapStore(new Map())
  const [a, b] = [client({ store }), client({ store })]
  const { slugs, path } = await filled(a)
  await filled(b)
  assert.deepEqual(await a.cache.invalidate({ paths: [path], mode: 'hard' }), { invalidated: 2 })
  assert.equal(await refetches(b, slugs[0]), true, 'b dropped the answer at once')
  assert.equal(await refetches(b, slugs[1]), false, 'the answer not reached is still fresh')
})

test('without publish/subscribe, another process hears it by polling the store\'s log', async () => {
  const data = new Map()
  const a = client({ store: mapStore(data) })
  const b = client({ store: mapStore(data), invalidationPollMs: 100 })
  const { slugs, path } = await filled(a)
  await filled(b)
  assert.equal(await refetches(b, slugs[0]), false)
  await a.cache.invalidate({ paths: [path], mode: 'hard' })
  await eventually(() => refetches(b, slugs[0]))
  assert.equal(await refetches(b, slugs[1]), false)
  // Soft, by model: b serves its stale list at once and revalidates it in the background.
  env.emu.clearRequests()
  await a.cache.invalidate({ models: ['/conf/wknd-shared/settings/dam/cfm/models/adventure'] })
  await eventually(async () => {
    await b.runPersistedQuery(ALL)
    return served(ALL) === 1
  })
})

test('two invalidations at once are both heard; a log that started again (expired, flushed) marks everything stale', async () => {
  const data = new Map()
  const a = client({ store: mapStore(data) })
  const b = client({ store: mapStore(data), invalidationPollMs: 100 })
  const { slugs } = await filled(a)
  await filled(b)
  const paths = await Promise.all(slugs.map(async (slug) => (await a.runPersistedQuery(BY_SLUG, { slug })).data.adventureList.items[0]._path))
  await sleep(250) // b has read the log's position
  await Promise.all(paths.map((path) => a.cache.invalidate({ paths: [path], mode: 'hard' })))
  assert.equal(JSON.parse(data.get('invalidations')).recent.length, 2)
  await eventually(() => refetches(b, slugs[0]))
  await eventually(() => refetches(b, slugs[1]))

  await b.runPersistedQuery(ALL) // fresh again in b (the paths reached it too)
  env.emu.clearRequests()
  assert.equal(await refetchesAll(b), false)
  await sleep(250)
  const before = served(ALL)
  data.delete('invalidations')
  // Stale now: served, and revalidated in the background.
  await eventually(async () => {
    await b.runPersistedQuery(ALL)
    return served(ALL) > before
  })
})

/** Whether `aem` asks AEM for the list once (its entry was invalidated; a stale one is revalidated in the background). */
async function refetchesAll (aem) {
  const before = served(ALL)
  await aem.runPersistedQuery(ALL)
  await sleep(50)
  return served(ALL) > before
}

test('a process that fell behind the log marks everything stale', async () => {
  const data = new Map()
  const b = client({ store: mapStore(data), invalidationPollMs: 100 })
  const { slugs } = await filled(b)
  await sleep(250) // b has read the log's position
  env.emu.clearRequests()
  assert.equal(await refetches(b, slugs[1]), false)
  // 70 invalidations by processes b never heard (the log keeps 64), of paths b does not hold.
  const recent = Array.from({ length: 64 }, (_, i) => ({ seq: i + 7, id: `other-${i}`, from: 'elsewhere', serviceURL: b.serviceURL, selector: { paths: ['/content/dam/nowhere'] }, hard: true }))
  data.set('invalidations', JSON.stringify({ seq: 70, recent }))
  // Soft: served stale and revalidated, so AEM is asked for every answer b held.
  await eventually(async () => {
    await b.runPersistedQuery(BY_SLUG, { slug: slugs[1] })
    return served(BY_SLUG) >= 1
  })
})

test('a store that is down: each process invalidates itself, and says once that the others were not told', async () => {
  const events = []
  const down = async () => { throw new Error('connect ECONNREFUSED') }
  const a = client({ store: { get: down, set: down } }, { logger: (event) => events.push(event) })
  const { slugs, path } = await filled(a)
  assert.deepEqual(await a.cache.invalidate({ paths: [path], mode: 'hard' }), { invalidated: 2 })
  await a.cache.invalidate({ paths: [path], mode: 'hard' })
  assert.equal(await refetches(a, slugs[0]), true)
  const unshared = events.filter((event) => event.event === 'invalidations-unshared')
  assert.equal(unshared.length, 1, JSON.stringify(events.map((event) => event.event)))
  assert.equal(unshared[0].level, 'warn')
  assert.match(unshared[0].message, /the others keep their copies until their lifetimes end/)
  assert.ok(!JSON.stringify(unshared).includes(env.emu.devToken.accessToken))
})

test('a client that is gone is not kept by its store\'s channel, and its polling stops', async () => {
  let reads = 0
  const store = { async get () { reads += 1; return null }, async set () {} }
  ;(() => client({ store, invalidationPollMs: 100 }))()
  await sleep(250)
  assert.ok(reads >= 2, 'it polled')
  require('node:v8').setFlagsFromString('--expose-gc')
  const gc = require('node:vm').runInNewContext('gc')
  for (let i = 0; i < 5; i++) {
    gc()
    await sleep(50)
  }
  const before = reads
  await sleep(400)
  assert.ok(reads - before <= 1, `${reads - before} reads after the client was collected`)
})

test('what a store offers is checked', () => {
  assert.throws(() => client({ store: { get () {}, set () {}, subscribe: 1 } }), /may have lease\(key, ttlMs\), publish\(channel, message\) and subscribe/)
  assert.throws(() => client({ store: mapStore(new Map()), invalidationPollMs: 10 }), /invalidationPollMs must be a number of milliseconds from 100/)
})

/** A store over a new connection pair of `flavor` to the test's redis-server (prefix per test). */
async function redisStore (flavor, prefix) {
  if (flavor === 'ioredis') {
    const [main, subscriber] = [new IORedis(server.url), new IORedis(server.url)]
    connections.push(main, subscriber)
    return createRedisStore(main, { prefix, subscriber })
  }
  const main = redis.createClient({ url: server.url })
  const subscriber = main.duplicate()
  await Promise.all([main.connect(), subscriber.connect()])
  connections.push(main, subscriber)
  return createRedisStore(main, { prefix, subscriber })
}

/** Waits until `channel` has `count` subscribers (PUBSUB NUMSUB). */
async function subscribed (channel, count) {
  const probe = redis.createClient({ url: server.url })
  await probe.connect()
  connections.push(probe)
  await eventually(async () => Number((await probe.sendCommand(['PUBSUB', 'NUMSUB', channel]))[1]) >= count, 5000)
}

for (const flavor of ['node-redis', 'ioredis']) {
  test(`${flavor}: through Redis pub/sub, another process hears it at once, without polling`, { skip }, async () => {
    const prefix = `pubsub-${flavor}:`
    const a = client({ store: await redisStore(flavor, prefix) })
    // b polls once an hour: only the subscription can tell it in time.
    const b = client({ store: await redisStore(flavor, prefix), invalidationPollMs: 3600000 })
    const { slugs, path } = await filled(a)
    await filled(b)
    await subscribed(`${prefix}invalidations`, 2)
    await a.cache.invalidate({ paths: [path], mode: 'hard' })
    await eventually(() => refetches(b, slugs[0]), 1000)
    assert.equal(await refetches(b, slugs[1]), false)
  })
}
