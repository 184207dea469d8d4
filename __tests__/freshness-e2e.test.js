'use strict'

// End to end: 4 processes of examples/freshness.js share a real redis-server, with answers
// cached for an hour. A fragment is modified in the emulator's AEM, and one signed event reaches
// one process's webhook: every process serves the new content. A list query sees a fragment
// created in its model. Four more processes, following the registration's journal, serve the
// new content from the journal alone. With Redis down, the process that got the event is fresh and the others
// keep their copies (their lifetimes are the backstop), which the logs say.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { setTimeout: sleep } = require('node:timers/promises')
const { setup } = require('./helpers')
const { startRedis, skipWithoutRedis } = require('./support/redis-server')
const { startFreshnessApp } = require('./support/freshness-app')

const PROCESSES = 4
const MODEL = '/conf/notes/settings/dam/cfm/models/note'
const NOTE = '/content/dam/notes/en/first'

const skip = skipWithoutRedis()
let env
let redis
/** The processes: `{url, output()}`. */
let apps = []
const children = []

before(async () => {
  if (skip) return
  env = await setup()
  redis = await startRedis()
  env.emu.load({
    models: { note: { title: 'String' } },
    fragments: { note: [{ _path: NOTE, title: 'first, v1' }, { _path: '/content/dam/notes/en/second', title: 'second' }] }
  })
  const hour = { 'cache-control': { 'max-age': 3600 }, 'surrogate-control': { 'max-age': 3600 } }
  env.emu.persistQuery('notes/all', '{ noteList { items { _path title } } }', hour)
  env.emu.persistQuery('notes/one', `{ noteByPath(_path: "${NOTE}") { item { _path title } } }`, hour)
  apps = await Promise.all(Array.from({ length: PROCESSES }, () => start()))
})
after(async () => {
  for (const child of children) child.kill()
  if (redis) await redis.stop().catch(() => {})
  if (env) await env.close()
})

/** Starts one process of the example (following the journal with `journal`). */
const start = (journal = false) => startFreshnessApp(env, redis.url, children, { journal })

async function get (app, query) {
  const answer = await fetch(`${app.url}/query/${query}`)
  assert.equal(answer.status, 200)
  return (await answer.json()).data
}
const title = async (app) => (await get(app, 'notes/one')).noteByPath.item.title
const titles = async (app) => (await get(app, 'notes/all')).noteList.items.map((item) => item.title)

/** Milliseconds until `check(app)` holds for every app (each asked once per try), at most `limitMs`. */
async function untilAll (check, limitMs = 5000) {
  const started = Date.now()
  const done = new Set()
  while (done.size < apps.length && Date.now() - started < limitMs) {
    for (const app of apps) if (!done.has(app) && await check(app)) done.add(app)
    if (done.size < apps.length) await sleep(20)
  }
  assert.equal(done.size, apps.length, `${done.size} of ${apps.length} processes within ${limitMs} ms`)
  return Date.now() - started
}

test('a modified fragment: one event at one process, every process serves the new content', { skip }, async () => {
  for (const app of apps) assert.equal(await title(app), 'first, v1')
  env.emu.addFragments('note', [{ _path: NOTE, title: 'first, v2' }])
  for (const app of apps) assert.equal(await title(app), 'first, v1', 'cached for an hour')
  const event = env.emu.events.event('aem.sites.contentFragment.modified', { path: NOTE, model: { id: 'note', path: MODEL } })
  assert.equal((await env.emu.events.deliver(`${apps[1].url}/aem-events`, event)).status, 200)
  const ms = await untilAll(async (app) => (await title(app)) === 'first, v2')
  console.log(`every process fresh ${ms} ms after the event's answer`)
  // The same event delivered again, at another process: dropped through the store.
  const again = await env.emu.events.deliver(`${apps[2].url}/aem-events`, event, { retryCount: 1 })
  assert.deepEqual(JSON.parse(again.body), { received: 1, taken: 0 })
})

test('a fragment created in a list\'s model appears in every process\'s list', { skip }, async () => {
  for (const app of apps) assert.deepEqual(await titles(app), ['first, v2', 'second'])
  env.emu.addFragments('note', [{ _path: '/content/dam/notes/en/third', title: 'third' }])
  const created = env.emu.events.event('aem.sites.contentFragment.created', { path: '/content/dam/notes/en/third', model: { id: 'note', path: MODEL } })
  await env.emu.events.deliver(`${apps[3].url}/aem-events`, created)
  await untilAll(async (app) => (await titles(app)).includes('third'))
})

test('through the journal alone (no webhook): every process serves the new content', { skip }, async () => {
  // Four more processes that follow the journal (one reads it, elected through Redis).
  const followers = await Promise.all(Array.from({ length: PROCESSES }, () => start(true)))
  const journalRequests = () => env.emu.requests.filter((r) => r.url.startsWith(new URL(env.emu.events.journalUrl).pathname)).length
  for (let i = 0; i < 500 && journalRequests() === 0; i++) await sleep(20)
  assert.ok(journalRequests() > 0, 'a follower reads the journal')
  const title = async (app) => (await get(app, 'notes/one')).noteByPath.item.title
  const before = await title(followers[0])
  for (const app of followers) assert.equal(await title(app), before)
  env.emu.addFragments('note', [{ _path: NOTE, title: 'first, from the journal' }])
  env.emu.events.record(env.emu.events.event('aem.sites.contentFragment.modified', { path: NOTE, model: { id: 'note', path: MODEL } }))
  const saved = apps
  apps = followers
  try {
    // The journal is read again after its retry-after (1 s here).
    await untilAll(async (app) => (await title(app)) === 'first, from the journal', 10000)
  } finally {
    apps = saved
  }
})

test('Redis down: the process that got the event invalidates itself, the others keep their copies, and say so', { skip }, async () => {
  // Every process has what the journal's event brought (the first call of each may still have
  // been served stale while it was revalidated).
  const current = 'first, from the journal'
  await untilAll(async (app) => (await title(app)) === current)
  await redis.stop()
  env.emu.addFragments('note', [{ _path: NOTE, title: 'first, v3' }])
  const event = env.emu.events.event('aem.sites.contentFragment.modified', { path: NOTE, model: { id: 'note', path: MODEL } })
  assert.equal((await env.emu.events.deliver(`${apps[0].url}/aem-events`, event)).status, 200)
  let fresh = false
  for (let i = 0; i < 100 && !fresh; i++) fresh = (await title(apps[0])) === 'first, v3' || (await sleep(20), false)
  assert.ok(fresh, 'the process that got the event is fresh')
  await sleep(1500) // past the others' poll interval
  for (const app of apps.slice(1)) assert.equal(await title(app), current, 'served until its lifetime ends')
  assert.match(apps[0].output(), /invalidations-unshared/)
})
