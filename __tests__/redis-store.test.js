'use strict'

// lib/redis-store.js against a real redis-server (Debian's redis-server package), through both
// node-redis and ioredis clients.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { randomUUID } = require('node:crypto')
const { setTimeout: sleep } = require('node:timers/promises')
const redis = require('redis')
const IORedis = require('ioredis')
const { createRedisStore, detectFlavor } = require('../lib/redis-store')
const { startRedis, skipWithoutRedis } = require('./support/redis-server')

const skip = skipWithoutRedis()
let server
/** @type {Record<string, {client: object, pttl: (key: string) => Promise<number>, close: () => Promise<unknown>}>} */
const clients = {}

before(async () => {
  if (skip) return
  server = await startRedis()
  const nodeRedis = redis.createClient({ url: server.url })
  nodeRedis.on('error', () => {}) // reconnection noise after stop() must not crash the test process
  await nodeRedis.connect()
  clients['node-redis'] = {
    client: nodeRedis,
    pttl: (key) => nodeRedis.pTTL(key),
    close: () => nodeRedis.close()
  }
  const ioredis = new IORedis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 })
  ioredis.on('error', () => {})
  await ioredis.connect()
  clients.ioredis = {
    client: ioredis,
    pttl: (key) => ioredis.pttl(key),
    close: () => ioredis.quit()
  }
})

after(async () => {
  for (const { close } of Object.values(clients)) await close().catch(() => {})
  if (server) await server.stop()
})

/** Polls `check` every 100 ms until it returns true or about `limitMs` have passed. */
async function eventually (check, limitMs) {
  const deadline = Date.now() + limitMs
  while (!(await check())) {
    if (Date.now() > deadline) return false
    await sleep(100)
  }
  return true
}

for (const flavor of ['node-redis', 'ioredis']) {
  test(`${flavor}: the client's library is detected`, { skip }, () => {
    assert.equal(detectFlavor(clients[flavor].client), flavor)
  })

  test(`${flavor}: set then get round-trips the value; get of a missing key is null`, { skip }, async () => {
    const store = createRedisStore(clients[flavor].client)
    const key = randomUUID()
    const value = JSON.stringify({ accessToken: 'tok-' + flavor, expiresAt: 1234567890123, note: 'é ✓' })
    await store.set(key, value, 60000)
    assert.equal(await store.get(key), value)
    assert.equal(await store.get(randomUUID()), null)
  })

  test(`${flavor}: keys are prefix + key; a store with another prefix does not see them`, { skip }, async () => {
    const { client } = clients[flavor]
    const key = randomUUID()
    const store = createRedisStore(client, { prefix: 'test-a:' })
    const other = createRedisStore(client, { prefix: 'test-b:' })
    await store.set(key, 'v1', 60000)
    assert.equal(await other.get(key), null)
    assert.equal(await client.get('test-a:' + key), 'v1')
    assert.equal(await createRedisStore(client).get(key), null)
    await createRedisStore(client).set(key, 'v2', 60000)
    assert.equal(await client.get('aem-headless-rs:token:' + key), 'v2')
    assert.equal(await store.get(key), 'v1')
  })

  test(`${flavor}: the flavor option overrides detection`, { skip }, async () => {
    const store = createRedisStore(clients[flavor].client, { flavor })
    const key = randomUUID()
    await store.set(key, 'x', 60000)
    assert.equal(await store.get(key), 'x')
  })

  test(`${flavor}: the pttl of a fresh key is > 0 and <= the ttl`, { skip }, async () => {
    const { client, pttl } = clients[flavor]
    const store = createRedisStore(client)
    const key = randomUUID()
    await store.set(key, 'v', 45000)
    const remaining = Number(await pttl('aem-headless-rs:token:' + key))
    assert.ok(remaining > 0 && remaining <= 45000, `pttl ${remaining}`)
    await store.set(key, 'v', 2500.2) // rounded up to 2501
    const rounded = Number(await pttl('aem-headless-rs:token:' + key))
    assert.ok(rounded > 0 && rounded <= 2501, `pttl ${rounded}`)
  })

  test(`${flavor}: an entry disappears after its ttl`, { skip }, async () => {
    const store = createRedisStore(clients[flavor].client)
    const key = randomUUID()
    await store.set(key, 'short-lived', 300)
    await sleep(600)
    assert.ok(await eventually(async () => (await store.get(key)) === null, 3000), 'the key is still there')
  })

  test(`${flavor}: a bad ttl, key or value rejects and writes nothing`, { skip }, async () => {
    const { client } = clients[flavor]
    const store = createRedisStore(client)
    const key = randomUUID()
    for (const ttl of [0, -1, -0.5, -60000, NaN, Infinity]) {
      await assert.rejects(store.set(key, 'v', ttl), RangeError, `ttl ${ttl}`)
    }
    for (const ttl of [undefined, '1000', null]) {
      await assert.rejects(store.set(key, 'v', ttl), TypeError, `ttl ${ttl}`)
    }
    await assert.rejects(store.set(key, { token: 'x' }, 1000), TypeError)
    await assert.rejects(store.set(42, 'v', 1000), TypeError)
    await assert.rejects(store.get(undefined), TypeError)
    assert.equal(await client.get('aem-headless-rs:token:' + key), null)
  })
}

test('bad arguments to createRedisStore throw a TypeError', () => {
  assert.throws(() => createRedisStore(), { name: 'TypeError', message: /client is required/ })
  assert.throws(() => createRedisStore(null), { name: 'TypeError', message: /client is required/ })
  assert.throws(() => createRedisStore({}), { name: 'TypeError', message: /get\(\) and set\(\)/ })
  assert.throws(() => createRedisStore({ get () {}, isOpen: true }), { name: 'TypeError', message: /get\(\) and set\(\)/ })
  assert.throws(() => createRedisStore({ get () {}, set () {} }), { name: 'TypeError', message: /flavor/ })
  assert.throws(() => createRedisStore({ get () {}, set () {} }, { flavor: 'memcached' }), { name: 'TypeError', message: /flavor/ })
  const unconnected = new IORedis({ lazyConnect: true })
  assert.throws(() => createRedisStore(unconnected, { prefix: 7 }), { name: 'TypeError', message: /prefix/ })
  unconnected.disconnect()
})

test('the flavor decides how the TTL is passed to set', async () => {
  const calls = []
  const fake = { get: async () => null, set: async (...args) => { calls.push(args) } }
  await createRedisStore(fake, { flavor: 'node-redis', prefix: 'p:' }).set('k', 'v', 1.5)
  await createRedisStore(fake, { flavor: 'ioredis', prefix: 'p:' }).set('k', 'v', 1000)
  assert.deepEqual(calls, [['p:k', 'v', { PX: 2 }], ['p:k', 'v', 'PX', 1000]])
})

test('without redis-server on PATH the Redis tests are skipped with a notice, but fail under CI', async () => {
  const { execFile } = require('node:child_process')
  const { promisify } = require('node:util')
  const support = require.resolve('./support/redis-server')
  const probe = `try { console.log(JSON.stringify(require(${JSON.stringify(support)}).skipWithoutRedis())) } catch (e) { console.log('threw: ' + e.message) }`
  const run = (ci) => promisify(execFile)(process.execPath, ['--no-warnings', '-e', probe], {
    env: { ...process.env, PATH: '', CI: ci }
  })
  const local = JSON.parse((await run('')).stdout)
  assert.match(local, /^redis-server is not on PATH: install it \(Debian\/Ubuntu: sudo apt-get install redis-server/)
  assert.match((await run('true')).stdout, /^threw: CI is set and redis-server is not on PATH/)
})
