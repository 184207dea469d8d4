'use strict'

// AEM's CDN (the emulator's `cdn` option: persisted-query answers kept for their s-maxage, not
// purged on publish) and `cache.purgeKey`: without it a revalidation after an invalidation gets
// the CDN's old copy back (also after a soft purge, which the CDN still serves once); with it the
// invalidation purges the URLs first, never softly, and the revalidation reaches AEM. A refused
// purge is logged, never with the key, and the key never follows a redirect.

const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const { setTimeout: sleep } = require('node:timers/promises')
const AEMHeadless = require('..')
const { setup, eventually } = require('./helpers')

const PURGE_KEY = 'purge-key-3f9d2c7a1b'
const NOTE = '/content/dam/notes/en/first'

let env
before(async () => { env = await setup({ cdn: { purgeKey: PURGE_KEY } }) })
after(() => env.close())
beforeEach(() => {
  env.emu.load({ models: { note: { title: 'String' } }, fragments: { note: [{ _path: NOTE, title: 'v1' }] } })
  // AEM's Publish defaults for the CDN: an hour here, two by default there.
  env.emu.persistQuery('notes/one', `{ noteByPath(_path: "${NOTE}") { item { _path title } } }`, { 'cache-control': { 'max-age': 3600 }, 'surrogate-control': { 'max-age': 7200 } })
  env.emu.cdn.clear()
  env.emu.clearRequests()
})

function client (cache = {}, options = {}) {
  return new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem, transport: 'native', cache: { staleWhileRevalidate: 60, ...cache }, ...options })
}
const title = async (aem) => (await aem.runPersistedQuery('notes/one')).data.noteByPath.item.title

test('without a purge key, the CDN gives its old copy back to the revalidation', async () => {
  const aem = client()
  assert.equal(await title(aem), 'v1')
  env.emu.addFragments('note', [{ _path: NOTE, title: 'v2' }])
  await aem.cache.invalidate({ paths: [NOTE] })
  // Served stale, revalidated in the background: against the CDN, which answers with v1 again.
  assert.equal(await title(aem), 'v1')
  await eventually(() => env.emu.cdn.stats.hits >= 1)
  await sleep(100)
  assert.equal(await title(aem), 'v1', 'the CDN still held v1')
  assert.equal(env.emu.cdn.stats.purges, 0)
})

test('a soft purge alone is not enough: the CDN serves its stale copy once more, to the revalidation', async () => {
  const aem = client()
  assert.equal(await title(aem), 'v1')
  env.emu.addFragments('note', [{ _path: NOTE, title: 'v2' }])
  const purged = await aem.authFetch(`${env.emu.url}/graphql/execute.json/notes/one`, { method: 'PURGE', headers: { 'X-AEM-Purge-Key': PURGE_KEY, 'X-AEM-Purge': 'soft' } })
  assert.equal(purged.status, 200)
  await aem.cache.invalidate({ paths: [NOTE] })
  assert.equal(await title(aem), 'v1')
  await eventually(() => env.emu.cdn.stats.hits >= 1)
  await sleep(100)
  assert.equal(await title(aem), 'v1', 'the revalidation got the soft-purged copy')
})

test('the purge key never follows a redirect to another origin', async () => {
  const https = require('node:https')
  const { createTlsCertificate } = require('../emulator/tls')
  const [a, b] = await Promise.all([createTlsCertificate(), createTlsCertificate()])
  const landed = []
  const other = https.createServer({ key: b.key, cert: b.cert }, (req, res) => { landed.push(req.headers); res.end('{}') })
  await new Promise((resolve) => other.listen(0, '127.0.0.1', resolve))
  const origin = https.createServer({ key: a.key, cert: a.cert }, (req, res) => {
    if (req.method === 'PURGE') {
      res.writeHead(308, { location: `https://127.0.0.1:${other.address().port}/purge` })
      return res.end()
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' })
    res.end(JSON.stringify({ data: { note: { _path: NOTE } } }))
  })
  await new Promise((resolve) => origin.listen(0, '127.0.0.1', resolve))
  try {
    const logged = []
    const aem = new AEMHeadless({ serviceURL: `https://127.0.0.1:${origin.address().port}`, ca: [a.caPem, b.caPem], transport: 'native', cache: { purgeKey: PURGE_KEY }, logger: (event) => logged.push(event) })
    await aem.runPersistedQuery('notes/one')
    assert.deepEqual(await aem.cache.invalidate({ paths: [NOTE] }), { invalidated: 1 })
    assert.deepEqual(landed, [])
    assert.equal(logged.find((event) => event.event === 'cdn-purge-failed').status, 308)
  } finally {
    origin.close()
    other.close()
  }
})

test('with the purge key, an invalidation purges the URLs first, and the revalidation reaches AEM', async () => {
  const logged = []
  const aem = client({ purgeKey: PURGE_KEY }, { logger: (event) => logged.push(event) })
  assert.equal(await title(aem), 'v1')
  env.emu.addFragments('note', [{ _path: NOTE, title: 'v2' }])
  await aem.cache.invalidate({ paths: [NOTE] })
  const purges = env.emu.requests.filter((r) => r.method === 'PURGE')
  assert.equal(purges.length, 1)
  assert.equal(purges[0].headers['x-aem-purge'], undefined, 'never soft')
  assert.equal(purges[0].headers['x-aem-purge-key'], PURGE_KEY)
  await eventually(async () => (await title(aem)) === 'v2')
  // Hard: the CDN's copy removed, the next call waits for AEM.
  env.emu.addFragments('note', [{ _path: NOTE, title: 'v3' }])
  await aem.cache.invalidate({ paths: [NOTE], mode: 'hard' })
  assert.equal(await title(aem), 'v3')
  // Everything: no purge of everything (the CDN configuration's to decide).
  const before = env.emu.requests.filter((r) => r.method === 'PURGE').length
  await aem.cache.invalidate({ all: true })
  assert.equal(env.emu.requests.filter((r) => r.method === 'PURGE').length, before)
  assert.ok(!JSON.stringify(logged).includes(PURGE_KEY))
  assert.ok(!util.inspect(aem, { depth: 10, showHidden: true }).includes(PURGE_KEY))
})

test('a refused purge is logged without the key, and the invalidation still happens here', async () => {
  const logged = []
  const aem = client({ purgeKey: 'not-the-key' }, { logger: (event) => logged.push(event) })
  await title(aem)
  assert.deepEqual(await aem.cache.invalidate({ paths: [NOTE], mode: 'hard' }), { invalidated: 1 })
  const failed = logged.filter((event) => event.event === 'cdn-purge-failed')
  assert.equal(failed.length, 1)
  assert.equal(failed[0].status, 403)
  assert.ok(!JSON.stringify(logged).includes('not-the-key'))
  assert.throws(() => client({ purgeKey: 'has space' }), /cache.purgeKey must be printable ASCII/)
})
