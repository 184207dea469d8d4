'use strict'

// Several processes share one token through a store: a real redis-server on loopback.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { createClient } = require('redis')
const { TokenProvider, createRedisStore } = require('..')
const { setup } = require('./helpers')
const { startRedis, skipWithoutRedis } = require('./support/redis-server')

const run = promisify(execFile)
const skip = skipWithoutRedis()
let env
let redis
before(async () => {
  env = await setup()
  if (!skip) redis = await startRedis()
})
after(async () => {
  await env.close()
  if (redis) await redis.stop()
})

async function tokenFromAnotherProcess () {
  const { stdout } = await run(process.execPath, [path.join(__dirname, 'support', 'store-client.js'), redis.url, env.files.credentialsFile], {
    env: { ...process.env, NODE_EXTRA_CA_CERTS: env.files.caFile }
  })
  return JSON.parse(stdout)
}

test('two processes share one token through Redis: one exchange', { skip }, async () => {
  const start = env.emu.stats.exchanges
  const first = await tokenFromAnotherProcess()
  const second = await tokenFromAnotherProcess()
  assert.equal(second.accessToken, first.accessToken)
  assert.equal(second.expiresAt, first.expiresAt)
  assert.equal(env.emu.stats.exchanges - start, 1)
})

test('the stored entry expires with the token, and an invalidated token is not taken from the store', { skip }, async () => {
  const client = createClient({ url: redis.url })
  await client.connect()
  try {
    const store = createRedisStore(client, { prefix: 'test-invalidate:' })
    const provider = new TokenProvider(env.emu.credentials, { ca: env.emu.caPem, store })
    const first = await provider.getAccessToken()
    const keys = await client.keys('test-invalidate:*')
    assert.equal(keys.length, 1)
    assert.ok(!keys[0].includes(env.emu.credentials.integration.technicalAccount.clientSecret))
    const ttl = await client.pTTL(keys[0])
    assert.ok(ttl > 0 && ttl <= first.expiresAt - Date.now() + 1000)

    // Another provider on the same store gets the same token without an exchange.
    const start = env.emu.stats.exchanges
    const other = new TokenProvider(env.emu.credentials, { ca: env.emu.caPem, store })
    assert.equal((await other.getAccessToken()).accessToken, first.accessToken)
    assert.equal(env.emu.stats.exchanges, start)

    // After a 401 the token is invalidated: the provider asks IMS, and the store gets the new one.
    other.invalidate(first.accessToken)
    const renewed = await other.getAccessToken()
    assert.notEqual(renewed.accessToken, first.accessToken)
    assert.equal(env.emu.stats.exchanges - start, 1)
    const stored = JSON.parse(await client.get(keys[0]))
    assert.equal(stored.accessToken, renewed.accessToken)
  } finally {
    await client.quit()
  }
})

test('a store that fails is bypassed: the token comes from IMS', async () => {
  const broken = { get: async () => { throw new Error('connection lost') }, set: async () => { throw new Error('connection lost') } }
  const token = await new TokenProvider(env.emu.credentials, { ca: env.emu.caPem, store: broken }).getAccessToken()
  assert.match(token.accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
})
