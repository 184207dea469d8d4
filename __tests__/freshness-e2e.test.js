'use strict'

// End to end: 4 processes of examples/freshness.js share a real redis-server, with answers
// cached for an hour. An author modifies a fragment and publishes it through AEM's publish route
// (the emulator's), and I/O Events delivers the signed `published` event to one process's
// webhook: every process serves the new content. A list query sees a fragment created in its
// model. When replication outlasts the first invalidation, the settle rounds of the process that
// took the event bring every process the new content (without them, the old content stays).
// Four more processes, following the registration's journal, serve the new content from the
// journal alone, and bring every process an event whose webhook delivery was dropped. Reordered
// and duplicated deliveries change nothing. With Redis down, the process that got the event is
// fresh and the others keep their copies (their lifetimes are the backstop), which the logs say.
//
// The first four processes run without settle rounds, so that only the first invalidation can
// make them fresh.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const { setTimeout: sleep } = require('node:timers/promises')
const { setup, eventually } = require('./helpers')
const { startRedis, skipWithoutRedis } = require('./support/redis-server')
const { startFreshnessApp } = require('./support/freshness-app')
const { AEMHeadless } = require('..')

const PROCESSES = 4
const MODEL = '/conf/notes/settings/dam/cfm/models/note'
const NOTE = '/content/dam/notes/en/first'
/** A fragment of its own for the test without settle rounds (its answers stay old). */
const LAGGED = '/content/dam/notes/en/lagged'

const skip = skipWithoutRedis()
let env
let redis
/** The processes: `{url, output()}`. */
let apps = []
/** A client of the author: it publishes through AEM's route. */
let author
const children = []

before(async () => {
  if (skip) return
  env = await setup()
  redis = await startRedis()
  env.emu.load({
    models: { note: { title: 'String' } },
    fragments: { note: [{ _path: NOTE, title: 'first, v1' }, { _path: '/content/dam/notes/en/second', title: 'second' }] }
  })
  env.emu.addModel('lagged', { title: 'String' })
  env.emu.addFragments('lagged', [{ _path: LAGGED, title: 'lagged, v1' }])
  const hour = { 'cache-control': { 'max-age': 3600 }, 'surrogate-control': { 'max-age': 3600 } }
  env.emu.persistQuery('notes/all', '{ noteList { items { _path title } } }', hour)
  env.emu.persistQuery('notes/one', `{ noteByPath(_path: "${NOTE}") { item { _path title } } }`, hour)
  env.emu.persistQuery('notes/lagged', `{ laggedByPath(_path: "${LAGGED}") { item { _path title } } }`, hour)
  apps = await Promise.all(Array.from({ length: PROCESSES }, () => start({ settleRetries: 0 })))
  author = new AEMHeadless({ serviceURL: env.emu.url, endpoint: '', credentials: env.files.credentialsFile, ca: env.emu.caPem })
})
after(async () => {
  for (const child of children) child.kill()
  if (redis) await redis.stop().catch(() => {})
  if (env) await env.close()
})

/** Starts one process of the example (`journal`: following the journal; `settleRetries`). */
const start = (options = {}) => startFreshnessApp(env, redis.url, children, options)

/** Publishes `paths` through AEM's route (`workflowModelId`: another workflow, a deactivation). */
async function publish (paths, workflowModelId) {
  const answer = await author.request('/adobe/sites/cf/fragments/publish', { method: 'POST', json: { paths, workflowModelId } })
  assert.deepEqual(answer.items.map((item) => item.status), paths.map(() => 'SUCCESS_TRIGGERED'))
}

/** The events of the emulator's content changes go to `app`'s webhook while `during` runs. */
async function subscribed (app, options, during) {
  const hook = env.emu.events.subscribe(`${app.url}/aem-events`, options)
  try {
    return await during(hook)
  } finally {
    await hook.idle()
    hook.unsubscribe()
  }
}

async function get (app, query) {
  const answer = await fetch(`${app.url}/query/${query}`)
  assert.equal(answer.status, 200)
  return (await answer.json()).data
}
const title = async (app) => (await get(app, 'notes/one')).noteByPath.item.title
const laggedTitle = async (app) => (await get(app, 'notes/lagged')).laggedByPath.item.title
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

test('a fragment modified and published through AEM: one event at one process, every process serves the new content', { skip }, async () => {
  await subscribed(apps[1], {}, async (hook) => {
    for (const app of apps) assert.equal(await title(app), 'first, v1')
    // The author edits the fragment through the Sites API (a draft, under If-Match).
    const { items: [fragment] } = await author.request('/adobe/sites/cf/fragments', { query: { path: NOTE } })
    const { etag } = await author.request(`/adobe/sites/cf/fragments/${fragment.id}`, { full: true })
    await author.request(`/adobe/sites/cf/fragments/${fragment.id}`, {
      method: 'PATCH',
      headers: { 'if-match': etag, 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'replace', path: '/elements/title', value: 'first, v2' }])
    })
    await hook.idle()
    // The author's draft is not published: the `modified` event makes every process ask again, for the same content.
    for (const app of apps) assert.equal(await title(app), 'first, v1', 'the draft is not served')
    await publish([NOTE])
    await hook.idle()
    assert.deepEqual(hook.deliveries.map((delivery) => delivery.status), [200, 200])
    const ms = await untilAll(async (app) => (await title(app)) === 'first, v2')
    console.log(`every process fresh ${ms} ms after the published event's answer`)
    // The same event delivered again, at another process: dropped through the store.
    const [id] = hook.deliveries[1].ids
    const again = env.emu.events.event('aem.sites.contentFragment.published', { path: NOTE, model: { id: 'note', path: MODEL } }, { id })
    const answer = await env.emu.events.deliver(`${apps[2].url}/aem-events`, again, { retryCount: 1 })
    assert.deepEqual(JSON.parse(answer.body), { received: 1, taken: 0 })
  })
})

test('a fragment created in a list\'s model appears in every process\'s list once published', { skip }, async () => {
  for (const app of apps) assert.deepEqual(await titles(app), ['first, v2', 'second'])
  await subscribed(apps[3], { batch: true }, async () => {
    env.emu.publishing.modify('note', [{ _path: '/content/dam/notes/en/third', title: 'third' }])
    await publish(['/content/dam/notes/en/third'])
  })
  await untilAll(async (app) => (await titles(app)).includes('third'))
})

test('replication slower than the first invalidation: the settle rounds bring the new content, without them the old one stays', { skip }, async () => {
  // Replication is held back until the processes have asked again and been told "unchanged".
  env.emu.publishing.holdReplication()
  try {
    // Without settle rounds (the first four processes): each asks again at once, is told the
    // content is unchanged (304), and keeps it for its hour once replication is done.
    for (const app of apps) assert.equal(await laggedTitle(app), 'lagged, v1')
    await subscribed(apps[0], {}, async () => {
      env.emu.publishing.modify('lagged', [{ _path: LAGGED, title: 'lagged, v2' }])
      await publish([LAGGED])
    })
    await sleep(200) // every process has heard the invalidation (Redis pub/sub)
    const notModified = env.emu.stats.notModified
    for (const app of apps) await laggedTitle(app) // revalidated (in the background) before replication: unchanged
    await eventually(() => env.emu.stats.notModified > notModified)
    await sleep(500) // the other processes' revalidations are done too
    env.emu.publishing.releaseReplication()
    await sleep(300)
    for (const app of apps) assert.equal(await laggedTitle(app), 'lagged, v1', 'the old content, for its lifetime')

    // With them (two processes that take 3 rounds, the default), every process is fresh.
    env.emu.publishing.holdReplication()
    const settling = await Promise.all([start(), start()])
    apps.push(...settling)
    try {
      for (const app of apps) assert.equal(await title(app), 'first, v2')
      const published = Date.now()
      await subscribed(settling[0], {}, async () => {
        env.emu.publishing.modify('note', [{ _path: NOTE, title: 'first, v3' }])
        await publish([NOTE])
      })
      await sleep(200)
      for (const app of apps) assert.equal(await title(app), 'first, v2', 'revalidated before replication: unchanged')
      await sleep(1500) // past the first settle round
      env.emu.publishing.releaseReplication()
      const ms = await untilAll(async (app) => (await title(app)) === 'first, v3', 10000)
      console.log(`replication released 1.7 s after the event: every process fresh ${ms} ms later (${Date.now() - published} ms after the event)`)
    } finally {
      apps.splice(PROCESSES)
    }
  } finally {
    env.emu.publishing.releaseReplication()
  }
})

test('through the journal alone (no webhook): every process serves the new content', { skip }, async () => {
  // Four more processes that follow the journal (one reads it, elected through Redis).
  const followers = await Promise.all(Array.from({ length: PROCESSES }, () => start({ journal: true })))
  const journalRequests = () => env.emu.requests.filter((r) => r.url.startsWith(new URL(env.emu.events.journalUrl).pathname)).length
  for (let i = 0; i < 500 && journalRequests() === 0; i++) await sleep(20)
  assert.ok(journalRequests() > 0, 'a follower reads the journal')
  const before = await title(followers[0])
  for (const app of followers) assert.equal(await title(app), before)
  env.emu.publishing.modify('note', [{ _path: NOTE, title: 'first, from the journal' }])
  await publish([NOTE])
  const saved = apps
  apps = followers
  try {
    // The journal is read again after its retry-after (1 s here).
    await untilAll(async (app) => (await title(app)) === 'first, from the journal', 10000)
  } finally {
    apps = saved
  }
})

test('a webhook delivery dropped: the journal\'s follower brings the event to every process', { skip }, async () => {
  await subscribed(apps[0], { drop: 2 }, async (hook) => {
    env.emu.publishing.modify('note', [{ _path: NOTE, title: 'first, dropped on the way' }])
    await publish([NOTE])
    await hook.idle()
    assert.equal(hook.deliveries.length, 0, 'nothing reached the webhook')
  })
  await untilAll(async (app) => (await title(app)) === 'first, dropped on the way', 10000)
})

test('deliveries reordered and duplicated: each event taken once, every process fresh', { skip }, async () => {
  const second = '/content/dam/notes/en/second'
  await subscribed(apps[2], { reorder: true, duplicate: true }, async (hook) => {
    env.emu.publishing.modify('note', [{ _path: NOTE, title: 'first, reordered' }, { _path: second, title: 'second, reordered' }])
    await publish([NOTE, second])
    await hook.idle()
    // Two changes of two events each, each delivered twice: the second copy as a retry.
    assert.deepEqual(hook.deliveries.map((delivery) => delivery.retryCount), [0, 1, 0, 1, 0, 1, 0, 1])
    // Last first: the second fragment's event before the first's.
    const sequence = (delivery) => Number(delivery.ids[0].split('-').pop())
    assert.ok(sequence(hook.deliveries[0]) > sequence(hook.deliveries[2]))
  })
  await untilAll(async (app) => (await title(app)) === 'first, reordered' && (await titles(app)).includes('second, reordered'))
})

test('Redis down: the process that got the event invalidates itself, the others keep their copies, and say so', { skip }, async () => {
  // Every process has what the journal's event brought (the first call of each may still have
  // been served stale while it was revalidated).
  const current = 'first, reordered'
  await untilAll(async (app) => (await title(app)) === current)
  await redis.stop()
  env.emu.addFragments('note', [{ _path: NOTE, title: 'first, v4' }])
  const event = env.emu.events.event('aem.sites.contentFragment.modified', { path: NOTE, model: { id: 'note', path: MODEL } })
  assert.equal((await env.emu.events.deliver(`${apps[0].url}/aem-events`, event)).status, 200)
  let fresh = false
  for (let i = 0; i < 100 && !fresh; i++) fresh = (await title(apps[0])) === 'first, v4' || (await sleep(20), false)
  assert.ok(fresh, 'the process that got the event is fresh')
  await sleep(1500) // past the others' poll interval
  for (const app of apps.slice(1)) assert.equal(await title(app), current, 'served until its lifetime ends')
  assert.match(apps[0].output(), /invalidations-unshared/)
})
