'use strict'

// AEM's CDN (the emulator's `cdn` option: persisted-query answers kept for their s-maxage, not
// purged on publish) and `cache.purgeKey`: without it a revalidation after an invalidation gets
// the CDN's old copy back; with it the invalidation purges the URLs first (soft or hard) and the
// revalidation reaches AEM. A refused purge is logged, never with the key.

const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const { setTimeout: sleep } = require('node:timers/promises')
const AEMHeadless = require('..')
const { setup } = require('./helpers')

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

/** The title after an invalidation's revalidation has had time to finish (a stale answer first, then what the revalidation got). */
async function settled (aem) {
  await title(aem)
  await sleep(300)
  return title(aem)
}

test('without a purge key, the CDN gives its old copy back to the revalidation', async () => {
  const aem = client()
  assert.equal(await title(aem), 'v1')
  env.emu.addFragments('note', [{ _path: NOTE, title: 'v2' }])
  await aem.cache.invalidate({ paths: [NOTE] })
  assert.equal(await settled(aem), 'v1', 'the CDN still held v1')
  assert.equal(env.emu.cdn.stats.purges, 0)
})

test('with the purge key, a soft invalidation soft-purges the URLs first, and the revalidation reaches AEM', async () => {
  const logged = []
  const aem = client({ purgeKey: PURGE_KEY }, { logger: (event) => logged.push(event) })
  assert.equal(await title(aem), 'v1')
  env.emu.addFragments('note', [{ _path: NOTE, title: 'v2' }])
  await aem.cache.invalidate({ paths: [NOTE] })
  const purges = env.emu.requests.filter((r) => r.method === 'PURGE')
  assert.equal(purges.length, 1)
  assert.equal(purges[0].headers['x-aem-purge'], 'soft')
  assert.equal(purges[0].headers['x-aem-purge-key'], PURGE_KEY)
  assert.equal(await settled(aem), 'v2')
  // Hard: the CDN's copy removed, the next call waits for AEM.
  env.emu.addFragments('note', [{ _path: NOTE, title: 'v3' }])
  await aem.cache.invalidate({ paths: [NOTE], mode: 'hard' })
  assert.equal(env.emu.requests.filter((r) => r.method === 'PURGE').at(-1).headers['x-aem-purge'], undefined)
  assert.equal(await title(aem), 'v3')
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
