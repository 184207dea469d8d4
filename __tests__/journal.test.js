'use strict'

// aem.events.journal and follow against the emulator's Journaling API: pages through `Link`
// headers, the end (204 and retry-after), the journal's own credentials (the token, x-api-key,
// x-ims-org-id, and none of the AEM client's headers), 410 past retention; follow elected by the
// store's lease, resuming at the kept position, invalidating every client of the store.

const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const { setTimeout: sleep } = require('node:timers/promises')
const AEMHeadless = require('..')
const { keysOf, linksOf } = require('../lib/journal')
const { setup, rejectsWith, eventually } = require('./helpers')

const MODEL = '/conf/notes/settings/dam/cfm/models/note'
const NOTE = '/content/dam/notes/en/first'

let env
let events
before(async () => {
  env = await setup()
  events = env.emu.events
  events.setJournalRetryAfter(1)
})
after(() => env.close())
beforeEach(() => {
  env.emu.load({ models: { note: { title: 'String' } }, fragments: { note: [{ _path: NOTE, title: 'v1' }] } })
  env.emu.persistQuery('notes/one', `{ noteByPath(_path: "${NOTE}") { item { _path title } } }`, { 'cache-control': { 'max-age': 3600 } })
  events.expireJournal()
  env.emu.clearRequests()
})

function client (options = {}) {
  return new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, ca: env.emu.caPem, transport: 'native', ...options })
}

/** A store of one process over `data`, shared by the "processes", with a lease (SET NX PX). */
function mapStore (data) {
  return {
    async get (key) { return data.get(key)?.value ?? null },
    async set (key, value) { data.set(key, { value }) },
    async lease (key, ttlMs) {
      const held = data.get(key)
      if (held && held.until > Date.now()) return null
      const mine = { value: 'lease', until: Date.now() + ttlMs }
      data.set(key, mine)
      return async () => { if (data.get(key) === mine) data.delete(key) }
    }
  }
}

/** Every item of an async iterator (Array.fromAsync is Node 22's). */
async function collect (iterator) {
  const items = []
  for await (const item of iterator) items.push(item)
  return items
}

const journalRequests = () => env.emu.requests.filter((r) => r.url.startsWith(new URL(events.journalUrl).pathname))
const modified = (title) => {
  env.emu.addFragments('note', [{ _path: NOTE, title }])
  return events.event('aem.sites.contentFragment.modified', { path: NOTE, model: { id: 'note', path: MODEL } })
}

test('the journal pages through its Link headers, stops at the end without waiting, and resumes after a position', async () => {
  const recorded = [modified('v2'), modified('v3'), modified('v4')]
  events.record(recorded)
  const aem = client({ headers: { 'X-Site': 'aem-only' } })
  const read = []
  for await (const item of aem.events.journal({ url: events.journalUrl, limit: 2, wait: false })) read.push(item)
  assert.deepEqual(read.map((item) => item.event.id), recorded.map((event) => event.id))
  const after = []
  for await (const item of aem.events.journal({ url: events.journalUrl, since: read[1].position, wait: false })) after.push(item.event.id)
  assert.deepEqual(after, [recorded[2].id])
  // The journal's own credentials, and none of the AEM client's headers.
  const requests = journalRequests()
  assert.ok(requests.length >= 3, 'two pages and the end')
  for (const { headers } of requests) {
    assert.match(headers.authorization, /^Bearer /)
    assert.equal(headers['x-api-key'], events.recipient)
    assert.equal(headers['x-ims-org-id'], events.org)
    assert.equal(headers['x-site'], undefined)
  }
})

test('a position past retention is API_ERROR with status 410; bad options are INVALID_PARAM', async () => {
  events.record(modified('v2'))
  const aem = client()
  const [first] = await collect(aem.events.journal({ url: events.journalUrl, wait: false }))
  events.record(modified('v3'))
  events.expireJournal()
  const error = await rejectsWith(collect(aem.events.journal({ url: events.journalUrl, since: first.position, wait: false })), 'API_ERROR')
  assert.equal(error.sdkDetails.status, 410)
  // Only https on Adobe I/O Events' hosts (or this machine) get the token; never a password.
  for (const url of ['http://events-va6.adobe.io/j', 'https://events.example/journal', 'https://adobe.io.evil.example/j', undefined]) {
    assert.throws(() => aem.events.journal({ url }), (error) => error.code === 'INVALID_PARAM', String(url))
  }
  assert.doesNotThrow(() => aem.events.journal({ url: 'https://events-va6.adobe.io/events/organizations/o/integrations/i/r' }))
  assert.throws(() => new AEMHeadless({ serviceURL: env.emu.url, auth: ['admin', 'admin'] }).events.journal({ url: events.journalUrl }), /not a user and password/)
  assert.throws(() => client().events.follow({ url: events.journalUrl }), /follow needs a store with lease/)
  assert.throws(() => client({ cache: { store: mapStore(new Map()) } }).events.follow({ url: 'https://evil.example/j' }), /Adobe I\/O Events host/)
  for (const settle of [{ settleRetries: 9 }, { settleMs: -1 }]) {
    assert.throws(() => client({ cache: { store: mapStore(new Map()) } }).events.follow({ url: events.journalUrl, ...settle }),
      (error) => error.code === 'INVALID_PARAM' && /follow: settle(Retries|Ms) must be/.test(error.message), JSON.stringify(settle))
  }
})

test('follow: one process at a time reads, each event invalidates every client of the store, and a restart resumes', async () => {
  const data = new Map()
  const [a, b] = [client({ cache: { store: mapStore(data), invalidationPollMs: 100 } }), client({ cache: { store: mapStore(data), invalidationPollMs: 100 } })]
  const title = async (aem) => (await aem.runPersistedQuery('notes/one')).data.noteByPath.item.title
  assert.equal(await title(a), 'v1')
  assert.equal(await title(b), 'v1')

  // Another process holds the follower's lease: this one does not read.
  const { leaseKey, positionKey } = keysOf(events.journalUrl)
  const holder = await mapStore(data).lease(leaseKey, 60000)
  const waiting = b.events.follow({ url: events.journalUrl })
  await sleep(300)
  assert.equal(journalRequests().length, 0)
  await holder()

  const following = a.events.follow({ url: events.journalUrl })
  // A follower with no kept position starts at the journal's end: what comes after it is read.
  await eventually(() => journalRequests().length > 0, 5000)
  events.record(modified('v2'))
  for (const aem of [a, b]) await eventually(async () => (await title(aem)) === 'v2', 5000)
  await Promise.all([following.stop(), waiting.stop()])
  const kept = data.get(positionKey).value
  assert.ok(kept.length > 0, 'the position is kept in the store')

  // Events while no process follows: a follower started again reads them from the kept position.
  events.record(modified('v2b'))
  const again = b.events.follow({ url: events.journalUrl })
  await eventually(async () => (await title(a)) === 'v2b', 5000)
  await again.stop()

  // Past retention while stopped: everything is marked stale, and reading goes on from the latest.
  events.record(modified('v3'))
  events.expireJournal()
  const logged = []
  const c = client({ cache: { store: mapStore(data), invalidationPollMs: 100 }, logger: (event) => logged.push(event) })
  const resumed = c.events.follow({ url: events.journalUrl })
  await eventually(() => logged.some((e) => e.event === 'journal-gone' && e.level === 'warn'), 5000)
  await resumed.stop()
  // a heard the soft invalidation of everything: stale now, revalidated.
  await eventually(async () => (await title(a)) === 'v3', 5000)
})

test('a journal page with nothing usable and no link is asked again after a pause, not in a loop', async () => {
  const { readJournal } = require('../lib/journal')
  let calls = 0
  const request = async () => {
    calls += 1
    return { status: 200, headers: new Headers({ 'retry-after': '1' }), body: { events: [null, { event: {} }] } }
  }
  const controller = new AbortController()
  const reading = collect(readJournal(request, { url: 'https://events.example/j', signal: controller.signal }))
  await sleep(300)
  controller.abort()
  await reading.catch(() => {})
  assert.equal(calls, 1)
})

test('Link headers: relative targets resolved, several relations, quoted or not', () => {
  assert.deepEqual(linksOf('</a?since=1>; rel="next", <https://other.example/b>; rel=latest, <c>; title="x"; rel="seek page"', 'https://events.example/j/x'), {
    next: 'https://events.example/a?since=1',
    latest: 'https://other.example/b',
    seek: 'https://events.example/j/c',
    page: 'https://events.example/j/c'
  })
  assert.deepEqual(linksOf(null, 'https://e.example/'), {})
})
