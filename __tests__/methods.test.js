'use strict'

// Persisted-query management and pagination against the emulator.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const AEMHeadless = require('..')
const { buildQuery } = require('@adobe/aem-headless-client-js').prototype
const { setup, rejectsWith } = require('./helpers')

let env
let aem
before(async () => {
  env = await setup()
  aem = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem })
})
after(() => env.close())

test('persist, run with GET and POST variables, update, list', async () => {
  const query = 'query($n: Int) { articleList(limit: $n) { items { slug } } }'
  const created = await aem.persistQuery(query, 'mine/first-n')
  assert.deepEqual(created, {
    action: 'create',
    configurationName: 'mine',
    name: 'first-n',
    shortPath: '/mine/first-n',
    path: '/conf/mine/settings/graphql/persistentQueries/first-n'
  })
  const sent = env.emu.requests.at(-1)
  assert.equal(sent.method, 'PUT')
  assert.equal(sent.url, '/graphql/persist.json/mine/first-n')
  assert.equal(sent.body, query)

  const byGet = await aem.runPersistedQuery('mine/first-n', { n: 4 })
  assert.equal(byGet.data.articleList.items.length, 4)
  const byPost = await aem.runPersistedQuery('mine/first-n', { n: 2 }, { method: 'POST' })
  assert.equal(byPost.data.articleList.items.length, 2)

  const conflict = await rejectsWith(aem.persistQuery(query, 'mine/first-n'), 'API_ERROR')
  assert.equal(conflict.sdkDetails.status, 409)
  assert.match(conflict.sdkDetails.errors[0].message, /already exists/)

  const updated = await aem.persistQuery(JSON.stringify({ query: '{ articleList(limit: 1) { items { slug } } }', 'cache-control': { 'max-age': 300 } }), 'mine/first-n', { method: 'POST' })
  assert.equal(updated.action, 'update')
  assert.equal((await aem.runPersistedQuery('mine/first-n')).data.articleList.items.length, 1)

  const list = await aem.listPersistedQueries()
  const mine = list.find((conf) => conf.configurationName === 'mine')
  assert.deepEqual(mine.queries.map((q) => q.path), [{ shortForm: '/mine/first-n', longForm: '/conf/mine/settings/graphql/persistentQueries/first-n' }])
  assert.ok(list.some((conf) => conf.configurationName === 'wknd-shared'))
})

test('an invalid query is refused with AEM\'s error body', async () => {
  const error = await rejectsWith(aem.persistQuery('{ nope }', 'mine/invalid'), 'API_ERROR')
  assert.equal(error.sdkDetails.status, 400)
  assert.match(error.sdkDetails.errors[0].message, /nope/)
})

async function collect (iterator) {
  const pages = []
  for await (const page of iterator) pages.push(page)
  return pages
}

test('cursor pagination walks all 57 articles', async () => {
  const pages = await collect(aem.runPaginatedQuery('article', '{ slug }', { pageSize: 10 }))
  assert.deepEqual(pages.map((p) => p.length), [10, 10, 10, 10, 10, 7])
  assert.equal(new Set(pages.flat().map((a) => a.slug)).size, 57)
})

test('offset pagination (useLimitOffset) walks all 57 articles, then stops', async () => {
  env.emu.clearRequests()
  const pages = await collect(aem.runPaginatedQuery('article', '{ slug }', { useLimitOffset: true, pageSize: 20 }))
  assert.deepEqual(pages.map((p) => p.length), [20, 20, 17])
  assert.equal(new Set(pages.flat().map((a) => a.slug)).size, 57)
  const queries = env.emu.requests.map((r) => JSON.parse(r.body).query)
  assert.match(queries[0], /articleList\(\s*limit:20\s*\)/)
  assert.match(queries[1], /articleList\(\s*limit:20,offset:20\s*\)/)
  assert.match(queries[2], /articleList\(\s*limit:20,offset:40\s*\)/)
})

test('offset pagination starts at config.after, and a full last page ends with an empty one', async () => {
  const pages = await collect(aem.runPaginatedQuery('article', '{ slug }', { useLimitOffset: true, pageSize: 19, after: 19 }))
  assert.deepEqual(pages.map((p) => p.length), [19, 19, 0])
  assert.equal(pages[0][0].slug, (await aem.runQuery('{ articleList(offset: 19, limit: 1) { items { slug } } }')).data.articleList.items[0].slug)
})

test('_path yields the one item (ByPath)', async () => {
  const path = '/content/dam/aem-demo-assets/en/adventures/bali-surf-camp/bali-surf-camp'
  const pages = await collect(aem.runPaginatedQuery('adventure', '{ title }', {}, { _path: path }))
  assert.deepEqual(pages, [{ title: 'Bali Surf Camp' }])
})

test('pagination errors keep their codes', async () => {
  await rejectsWith(collect(aem.runPaginatedQuery('article', '')), 'INVALID_PARAM')
  await rejectsWith(collect(aem.runPaginatedQuery('article', '{ nope }', { pageSize: 5 })), 'RESPONSE_ERROR')
  await rejectsWith(collect(aem.runPaginatedQuery('nothing', '{ slug }', { pageSize: 5 })), 'RESPONSE_ERROR')
  const persistedOnly = new AEMHeadless({ serviceURL: env.emu.url, endpoint: '', auth: 't', ca: env.emu.caPem })
  await rejectsWith(collect(persistedOnly.runPaginatedQuery('article', '{ slug }')), 'INVALID_PARAM')
})

test('a signal stops pagination between pages', async () => {
  const controller = new AbortController()
  const seen = []
  const error = await rejectsWith((async () => {
    for await (const page of aem.runPaginatedQuery('article', '{ slug }', { pageSize: 10 }, {}, { signal: controller.signal })) {
      seen.push(page)
      controller.abort()
    }
  })(), 'REQUEST_ERROR')
  assert.equal(seen.length, 1)
  assert.equal(error.cause.name, 'AbortError')
})

test('buildQuery gives the text of Adobe\'s builder and leaves args alone', () => {
  const cases = require('./support/build-query-cases')
  for (const [model, fields, config, args] of cases) {
    const before = structuredClone(args)
    const ours = aem.buildQuery(model, fields, config, args)
    assert.deepEqual(args, before, 'args unchanged')
    const adobe = buildQuery(model, fields, structuredClone(config), structuredClone(args))
    assert.deepEqual(ours, adobe, JSON.stringify([model, config, args]))
  }
})
