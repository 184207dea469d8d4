'use strict'

// The emulator's side of content changes: an author's drafts, AEM's publish route (Adobe's
// `POST /adobe/sites/cf/fragments/publish`, with its replication delay and the deactivation
// workflow), and the events they raise, journaled and delivered to subscribed webhooks as I/O
// Events delivers them (signed, retried with `x-adobe-retry-count`, batched, duplicated,
// reordered or dropped when asked).

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const AEMHeadless = require('..')
const { setup } = require('./helpers')

const NOTE = '/content/dam/notes/first'
const PUBLISH = '/adobe/sites/cf/fragments/publish'

let env
let aem
before(async () => {
  env = await setup()
  env.emu.load({ models: { note: { title: 'String' } }, fragments: { note: [{ _path: NOTE, title: 'v1' }] } })
  env.emu.persistQuery('notes/one', `{ noteByPath(_path: "${NOTE}") { item { _path title } } }`)
  aem = new AEMHeadless({ serviceURL: env.emu.url, endpoint: '', auth: env.emu.devToken.accessToken, ca: env.emu.caPem, transport: 'native' })
})
after(() => env.close())

const served = async () => {
  const { data } = await aem.runPersistedQuery('notes/one')
  return data.noteByPath.item && data.noteByPath.item.title
}
const publish = (json, headers = { 'x-api-key': env.emu.apiKey }) => aem.request(PUBLISH, { method: 'POST', json, headers, full: true, retries: 0 }).catch((error) => error)

/** A webhook that records each delivery (its retry count, events and whether it verifies) and answers `statuses` in turn, then 200. */
async function webhook (statuses = []) {
  const received = []
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const parsed = JSON.parse(body)
      received.push({ retryCount: req.headers['x-adobe-retry-count'], events: Array.isArray(parsed) ? parsed : [parsed], signed: typeof req.headers['x-adobe-digital-signature-1'] === 'string' })
      res.writeHead(statuses.shift() ?? 200)
      res.end()
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${server.address().port}/`, received, close: () => new Promise((resolve) => server.close(resolve)) }
}

test('a draft is not served until published; publishing after the replication delay; the deactivation workflow unpublishes', async () => {
  env.emu.publishing.modify('note', [{ _path: NOTE, title: 'v2' }])
  assert.deepEqual(env.emu.publishing.drafts(), [NOTE])
  assert.equal(await served(), 'v1')
  env.emu.publishing.holdReplication()
  try {
    const answer = await publish({ paths: [NOTE, '/content/dam/notes/none'], filterReferencesByStatus: [] })
    assert.equal(answer.status, 200)
    assert.match(answer.body.workflowInstanceId, /^[0-9a-f-]{36}$/)
    assert.deepEqual(answer.body.items, [{ path: NOTE, status: 'SUCCESS_TRIGGERED' }, { path: '/content/dam/notes/none', status: 'ERROR_NOT_FOUND' }])
    assert.equal(await served(), 'v1', 'replication under way')
    env.emu.publishing.releaseReplication()
    assert.equal(await served(), 'v2')
    // With a delay: served once it has passed.
    env.emu.publishing.setReplicationDelay(50)
    assert.deepEqual(env.emu.publishing.drafts(), [])
    const off = await publish({ paths: [NOTE], workflowModelId: '/var/workflow/models/scheduled_deactivation' })
    assert.deepEqual(off.body.items, [{ path: NOTE, status: 'SUCCESS_TRIGGERED' }])
    await env.emu.publishing.idle()
    assert.equal(await served(), null)
    const again = await publish({ paths: [NOTE], workflowModelId: '/var/workflow/models/scheduled_deactivation' })
    assert.deepEqual(again.body.items, [{ path: NOTE, status: 'ERROR_NOT_FOUND' }], 'not published')
  } finally {
    env.emu.publishing.setReplicationDelay(0)
  }
  // Back: published again from a new draft.
  env.emu.publishing.modify('note', [{ _path: NOTE, title: 'v3' }])
  await publish({ paths: [NOTE] })
  assert.equal(await served(), 'v3')
})

test('the Sites API edits the app\'s fragments: PATCH under If-Match makes a draft, with its modified event; publishing serves it', async () => {
  const headers = { 'x-api-key': env.emu.apiKey }
  const listed = await aem.request('/adobe/sites/cf/fragments', { query: { path: NOTE }, headers })
  assert.equal(listed.items.length, 1)
  const [fragment] = listed.items
  assert.equal(fragment.path, NOTE)
  assert.equal(fragment.elements.title, await served())
  const got = await aem.request(`/adobe/sites/cf/fragments/${fragment.id}`, { headers, full: true })
  const etag = got.headers.get('etag')
  assert.ok(etag)
  const patch = (ifMatch, title) => aem.request(`/adobe/sites/cf/fragments/${fragment.id}`, {
    method: 'PATCH',
    headers: { ...headers, 'if-match': ifMatch, 'content-type': 'application/json-patch+json' },
    body: JSON.stringify([{ op: 'replace', path: '/elements/title', value: title }]),
    full: true,
    retries: 0
  }).catch((error) => error)
  const hook = await webhook()
  const subscription = env.emu.events.subscribe(hook.url)
  try {
    const patched = await patch(etag, 'by PATCH')
    assert.equal(patched.status, 200)
    assert.equal(patched.body.data.elements.title, 'by PATCH')
    assert.equal(patched.body.data.status, 'MODIFIED')
    assert.notEqual(patched.headers.get('etag'), etag)
    const stale = await patch(etag, 'again')
    assert.equal(stale.sdkDetails.status, 412)
    const renamed = await aem.request(`/adobe/sites/cf/fragments/${fragment.id}`, {
      method: 'PATCH',
      headers: { ...headers, 'if-match': patched.headers.get('etag'), 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'replace', path: '/title', value: 'not an element' }]),
      retries: 0
    }).catch((error) => error)
    assert.equal(renamed.sdkDetails.status, 400, 'only elements change')
    assert.notEqual(await served(), 'by PATCH', 'a draft')
    await publish({ paths: [NOTE] })
    assert.equal(await served(), 'by PATCH')
    await subscription.idle()
    assert.deepEqual(hook.received.map((delivery) => delivery.events[0].type), ['aem.sites.contentFragment.modified', 'aem.sites.contentFragment.published'])
  } finally {
    subscription.unsubscribe()
    await hook.close()
  }
})

test('what the publish route and modify take is checked', async () => {
  const anonymous = await publish({ paths: [NOTE] }, {})
  assert.equal(anonymous.sdkDetails.status, 403, 'the Sites API\'s X-Api-Key')
  for (const body of [{}, { paths: [] }, { paths: [''] }, { paths: 'x' }]) {
    const error = await publish(body)
    assert.equal(error.code, 'API_ERROR', String(error))
    assert.equal(error.sdkDetails.status, 400)
  }
  const get = await aem.request(PUBLISH, { full: true, retries: 0, headers: { 'x-api-key': env.emu.apiKey } }).catch((error) => error)
  assert.equal(get.sdkDetails.status, 405)
  // The route is the Sites API's: its problem bodies, and the emulator's faults reach it.
  const refused = await aem.authFetch(PUBLISH, { method: 'POST', headers: { 'x-api-key': env.emu.apiKey, 'content-type': 'application/json' }, body: '{}' })
  assert.equal(refused.status, 400)
  assert.match(refused.headers.get('content-type'), /^application\/problem\+json/)
  assert.match((await refused.json()).detail, /The body must be \{"paths"/)
  env.emu.fail(1, { status: 503, path: PUBLISH })
  assert.equal((await publish({})).sdkDetails.status, 503, 'the fault first')
  assert.equal((await publish({})).sdkDetails.status, 400, 'then the route')
  assert.throws(() => env.emu.publishing.modify('note', [{ title: 'no path' }]), /each with its _path/)
  env.emu.addModel('other', { title: 'String' })
  assert.throws(() => env.emu.publishing.modify('other', [{ _path: NOTE, title: 'x' }]), /is a fragment of note, not of other/)
  assert.throws(() => env.emu.publishing.setReplicationDelay(-1), RangeError)
  assert.throws(() => env.emu.publishing.setReplicationDelay(2 ** 31), RangeError)
  assert.throws(() => env.emu.events.subscribe('http://127.0.0.1:9/', { drop: NaN }), /drop: a whole number/)
  assert.throws(() => env.emu.events.subscribe('http://127.0.0.1:9/', { retries: -1 }), /retries is a whole number/)
  assert.throws(() => env.emu.events.subscribe('http://127.0.0.1:9/', { retryMs: Infinity }), /retryMs is a number/)
})

test('the events of content changes: journaled, and delivered signed to each webhook, retried while it fails', async () => {
  const hook = await webhook([500, 503])
  const subscription = env.emu.events.subscribe(hook.url, { retryMs: 10 })
  try {
    env.emu.publishing.modify('note', [{ _path: NOTE, title: 'v4' }, { _path: '/content/dam/notes/second', title: 'new' }])
    await publish({ paths: [NOTE, '/content/dam/notes/second'] })
    await subscription.idle()
    const types = hook.received.map((delivery) => `${delivery.retryCount ?? 0}:${delivery.events[0].type.split('.').pop()}:${delivery.events[0].data.path}`)
    assert.deepEqual(types, [
      `0:modified:${NOTE}`, `1:modified:${NOTE}`, `2:modified:${NOTE}`,
      '0:created:/content/dam/notes/second',
      `0:published:${NOTE}`, '0:published:/content/dam/notes/second'
    ])
    assert.ok(hook.received.every((delivery) => delivery.signed))
    assert.deepEqual(subscription.deliveries.slice(0, 3).map((delivery) => delivery.status), [500, 503, 200])
    const event = hook.received[0].events[0]
    assert.equal(event.source, env.emu.events.source)
    assert.equal(event.recipientclientid, env.emu.events.recipient)
    assert.deepEqual(event.data.model, { id: 'note', path: '/conf/emulator/settings/dam/cfm/models/note' })
    // The journal has them all, once each.
    const journal = await aem.request(`${env.emu.events.journalUrl}?limit=100`, { headers: { 'x-api-key': env.emu.events.recipient, 'x-ims-org-id': env.emu.events.org } })
    const journaled = journal.events.map((entry) => entry.event.id)
    for (const id of new Set(hook.received.map((delivery) => delivery.events[0].id))) assert.ok(journaled.includes(id), id)
  } finally {
    subscription.unsubscribe()
    await hook.close()
  }
})

test('faults of delivery: batches, duplicates, reordering and drops (the journal still has a dropped event)', async () => {
  const hook = await webhook()
  const batched = env.emu.events.subscribe(hook.url, { batch: true })
  const faulty = env.emu.events.subscribe(hook.url, { reorder: true, duplicate: true, drop: 1 })
  try {
    const events = ['a', 'b', 'c'].map((name) => env.emu.events.event('aem.sites.contentFragment.modified', { path: `/content/dam/${name}` }))
    env.emu.events.emit(events)
    await Promise.all([batched.idle(), faulty.idle()])
    const ids = events.map((event) => event.id)
    assert.deepEqual(batched.deliveries.map((delivery) => delivery.ids), [ids])
    // Last first, the first of them (c) dropped, each delivered twice.
    assert.deepEqual(faulty.deliveries.map((delivery) => [delivery.ids[0], delivery.retryCount]), [[ids[1], 0], [ids[1], 1], [ids[0], 0], [ids[0], 1]])
    faulty.drop(5)
    env.emu.events.emit([env.emu.events.event('aem.sites.page.published', { path: '/content/site/en' })])
    await faulty.idle()
    assert.equal(faulty.deliveries.length, 4)
    const journal = await aem.request(`${env.emu.events.journalUrl}?limit=100`, { headers: { 'x-api-key': env.emu.events.recipient, 'x-ims-org-id': env.emu.events.org } })
    assert.ok(journal.events.some((entry) => entry.event.id === ids[2]), 'the dropped event is in the journal')
  } finally {
    batched.unsubscribe()
    faulty.unsubscribe()
    await hook.close()
  }
})
