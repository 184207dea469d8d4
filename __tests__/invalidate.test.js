'use strict'

// aem.cache.invalidate: answers are tagged when stored with the `_path` values they hold and their
// persisted query, and an invalidation by path, prefix, query or all marks them stale (served
// within stale-while-revalidate while revalidated) or removes them; a shared store's copies go
// too. Against the emulator's WKND queries (AEM's Publish cache headers).

const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const AEMHeadless = require('..')
const { setTimeout: sleep } = require('node:timers/promises')
const { setup, rejectsWith, eventually } = require('./helpers')

let env
before(async () => { env = await setup() })
after(() => env.close())
beforeEach(() => env.emu.clearRequests())

const BY_SLUG = 'wknd-shared/adventure-by-slug'
const ALL = 'wknd-shared/adventures-all'

function client (options = {}) {
  return new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem, cache: true, transport: 'native', ...options })
}

/** Requests AEM answered for `query` since the last clear. */
const served = (query) => env.emu.requests.filter((r) => r.url.startsWith(`/graphql/execute.json/${query}`)).length

/** Fills the cache with two slugs and the list; returns the first slug's `_path`. */
async function filled (aem, slugs) {
  const first = await aem.runPersistedQuery(BY_SLUG, { slug: slugs[0] })
  await aem.runPersistedQuery(BY_SLUG, { slug: slugs[1] })
  await aem.runPersistedQuery(ALL)
  env.emu.clearRequests()
  return first.data.adventureList.items[0]._path
}

async function twoSlugs () {
  const { data } = await client({ cache: false }).runPersistedQuery(ALL)
  return data.adventureList.items.slice(0, 2).map((item) => item.slug)
}

test('soft, by path: the answers holding the path are served stale and revalidated; the others stay fresh', async () => {
  const aem = client()
  const slugs = await twoSlugs()
  const path = await filled(aem, slugs)
  assert.ok(path.startsWith('/content/'), path)
  // The slug's own answer and the list hold the path; the other slug's does not.
  assert.deepEqual(await aem.cache.invalidate({ paths: [path] }), { invalidated: 2 })
  const again = await aem.runPersistedQuery(BY_SLUG, { slug: slugs[0] })
  assert.equal(again.data.adventureList.items[0]._path, path)
  await eventually(() => served(BY_SLUG) === 1)
  await aem.runPersistedQuery(BY_SLUG, { slug: slugs[1] })
  await aem.runPersistedQuery(BY_SLUG, { slug: slugs[0] })
  assert.equal(served(BY_SLUG), 1, 'the other slug was fresh, and the revalidated one is fresh again')
  await eventually(() => served(ALL) === 0)
})

test('hard, by query: the next call waits for AEM; by prefix and all reach what they name', async () => {
  const aem = client()
  const slugs = await twoSlugs()
  await filled(aem, slugs)
  assert.deepEqual(await aem.cache.invalidate({ queries: [ALL], mode: 'hard' }), { invalidated: 1 })
  await aem.runPersistedQuery(ALL)
  assert.equal(served(ALL), 1, 'AEM answered before the call resolved')
  assert.equal(served(BY_SLUG), 0)

  assert.deepEqual(await aem.cache.invalidate({ prefixes: ['/content/nowhere/'], mode: 'hard' }), { invalidated: 0 })
  assert.deepEqual(await aem.cache.invalidate({ prefixes: ['/content/'], mode: 'hard' }), { invalidated: 3 })
  await aem.runPersistedQuery(BY_SLUG, { slug: slugs[1] })
  assert.equal(served(BY_SLUG), 1)

  assert.deepEqual(await aem.cache.invalidate({ all: true, mode: 'hard' }), { invalidated: 1 })
  await aem.runPersistedQuery(BY_SLUG, { slug: slugs[1] })
  assert.equal(served(BY_SLUG), 2)
})

test('by model: the answers that list a model (its List field, or declared for an aliased query) are reached', async () => {
  const slugs = await twoSlugs()
  // The WKND queries all read adventureList: a new adventure may belong in any of them.
  const aem = client({ cache: { models: { [BY_SLUG]: ['/conf/wknd-shared/settings/dam/cfm/models/person'] } } })
  await filled(aem, slugs)
  assert.deepEqual(await aem.cache.invalidate({ models: ['/conf/wknd-shared/settings/dam/cfm/models/venue'], mode: 'hard' }), { invalidated: 0 })
  assert.deepEqual(await aem.cache.invalidate({ models: ['person'], mode: 'hard' }), { invalidated: 2 })
  await aem.runPersistedQuery(ALL)
  assert.equal(served(ALL), 0, 'the list was not declared to read persons')
  assert.deepEqual(await aem.cache.invalidate({ models: ['/conf/wknd-shared/settings/dam/cfm/models/adventure'], mode: 'hard' }), { invalidated: 1 })
  await aem.runPersistedQuery(ALL)
  assert.equal(served(ALL), 1)
  assert.throws(() => client({ cache: { models: { [ALL]: 'adventure' } } }), /cache.models must map persisted queries/)
})

test('a shared store\'s copies of the answers reached go too, so that no process takes them back as fresh', async () => {
  const values = new Map()
  const store = {
    async get (key) { return values.get(key) ?? null },
    async set (key, value) { values.set(key, value) }
  }
  const slugs = await twoSlugs()
  const writer = client({ cache: { store } })
  const path = await filled(writer, slugs)
  // Another process, with the same store: served from the store, AEM not asked.
  await client({ cache: { store } }).runPersistedQuery(BY_SLUG, { slug: slugs[0] })
  assert.equal(served(BY_SLUG), 0)

  assert.deepEqual(await writer.cache.invalidate({ paths: [path], mode: 'hard' }), { invalidated: 2 })
  await client({ cache: { store } }).runPersistedQuery(BY_SLUG, { slug: slugs[0] })
  assert.equal(served(BY_SLUG), 1, 'the store no longer held it')
  await client({ cache: { store } }).runPersistedQuery(BY_SLUG, { slug: slugs[1] })
  assert.equal(served(BY_SLUG), 1, 'the answer not reached is still shared')
})

test('unchangedSince: only the answers whose content (ETag) has not changed since then, however often revalidated, here and through the store', async () => {
  const memo = '/content/dam/memos/first'
  env.emu.load({ models: { memo: { title: 'String' } }, fragments: { memo: [{ _path: memo, title: 'v1' }] } })
  const hour = { 'cache-control': { 'max-age': 3600 } }
  env.emu.persistQuery('memos/one', `{ memoByPath(_path: "${memo}") { item { _path title } } }`, hour)
  const title = async (aem) => (await aem.runPersistedQuery('memos/one')).data.memoByPath.item.title
  const values = new Map()
  const store = {
    async get (key) { return values.get(key) ?? null },
    async set (key, value) { values.set(key, value) }
  }
  const [one, other] = [client({ cache: { store } }), client({ cache: { store } })]
  assert.equal(await title(one), 'v1')
  await sleep(5)
  const since = new Date()
  await sleep(5)
  // Marked stale and revalidated: AEM answers 304, the content is as old as before.
  const notModified = env.emu.stats.notModified
  assert.deepEqual(await one.cache.invalidate({ paths: [memo] }), { invalidated: 1 })
  assert.equal(await title(one), 'v1') // stale, within stale-while-revalidate, while it is revalidated
  await eventually(() => env.emu.stats.notModified === notModified + 1)
  // Another process takes it from the store, with its age.
  assert.equal(await title(other), 'v1')
  assert.deepEqual(await other.cache.invalidate({ paths: [memo], unchangedSince: since.getTime() }), { invalidated: 1 })
  assert.deepEqual(await one.cache.invalidate({ paths: [memo], unchangedSince: since }), { invalidated: 1 })
  // New content (a new ETag) is newer than `since`: not reached.
  env.emu.addFragments('memo', [{ _path: memo, title: 'v2' }])
  await eventually(async () => (await title(one)) === 'v2')
  assert.deepEqual(await one.cache.invalidate({ paths: [memo], unchangedSince: since }), { invalidated: 0 })
  // The other process takes the new content from the store, with its time: not reached either.
  await eventually(async () => (await title(other)) === 'v2')
  assert.deepEqual(await other.cache.invalidate({ paths: [memo], unchangedSince: since }), { invalidated: 0 })
  assert.deepEqual(await one.cache.invalidate({ paths: [memo], unchangedSince: Date.now() }), { invalidated: 1 })
  // An answer fetched with nothing to compare it with may be old content: every time reaches it.
  const fresh = client()
  assert.equal(await title(fresh), 'v2')
  assert.deepEqual(await fresh.cache.invalidate({ paths: [memo], unchangedSince: 0 }), { invalidated: 1 })
})

test('clearCache() is invalidate({ all: true, mode: \'hard\' }); without a cache nothing is reached', async () => {
  const aem = client()
  const slugs = await twoSlugs()
  await filled(aem, slugs)
  aem.clearCache()
  await aem.runPersistedQuery(ALL)
  assert.equal(served(ALL), 1)
  assert.deepEqual(await client({ cache: false }).cache.invalidate({ all: true }), { invalidated: 0 })
  assert.equal(aem.cache, aem.cache)
})

test('what invalidate takes is checked, and a bad selector reaches nothing', async () => {
  const aem = client()
  for (const [options, message] of [
    [undefined, 'invalidate takes an object: {paths, prefixes, models, queries, all, mode, unchangedSince}'],
    [{}, 'invalidate needs paths, prefixes, models, queries or all: true'],
    [{ paths: [] }, 'invalidate needs paths, prefixes, models, queries or all: true'],
    [{ models: [null] }, 'models must be an array of non-empty strings'],
    [{ paths: '/content/x' }, 'paths must be an array of non-empty strings'],
    [{ prefixes: [''] }, 'prefixes must be an array of non-empty strings'],
    [{ queries: [1] }, 'queries must be an array of non-empty strings'],
    [{ all: 'yes' }, 'all must be a boolean'],
    [{ all: true, mode: 'later' }, "mode must be 'soft' or 'hard'"],
    [{ all: true, unchangedSince: 'yesterday' }, 'unchangedSince must be a Date or a time in epoch milliseconds'],
    [{ all: true, unchangedSince: new Date(NaN) }, 'unchangedSince must be a Date or a time in epoch milliseconds'],
    [{ all: true, unchangedSince: -1 }, 'unchangedSince must be a Date or a time in epoch milliseconds']
  ]) {
    const error = await rejectsWith(aem.cache.invalidate(options), 'INVALID_PARAM')
    assert.ok(error.message.includes(message), error.message)
  }
})
