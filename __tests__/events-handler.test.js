'use strict'

// createEventsHandler against the emulator's Adobe I/O Events: signed CloudEvents POSTed to a
// real webhook (node:http, Express, Fastify, a fetch Request), keys fetched over HTTPS from the
// emulator's key host, and the content changed in the emulator's AEM: a modified fragment is
// served new, a list sees a created one; bad signatures, other recipients and sources, and
// duplicates invalidate nothing.

const { test, before, after, beforeEach } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const { setTimeout: sleep } = require('node:timers/promises')
const express = require('express')
const fastify = require('fastify')
const AEMHeadless = require('..')
const { createEventsHandler } = AEMHeadless
const { setup, eventually } = require('./helpers')

const MODEL = '/conf/notes/settings/dam/cfm/models/note'
const LIST = 'notes/all'
const ONE = 'notes/one'
const NOTE = '/content/dam/notes/en/first'

let env
let events
const servers = []

before(async () => {
  env = await setup()
  events = env.emu.events
})
after(async () => {
  for (const server of servers) await server.close()
  await env.close()
})
beforeEach(() => {
  // The notes as they start, with hour-long lifetimes: only an event makes them fresh.
  env.emu.load({
    models: { note: { title: 'String' } },
    fragments: { note: [{ _path: NOTE, title: 'first, v1' }, { _path: '/content/dam/notes/en/second', title: 'second' }] }
  })
  const hour = { 'cache-control': { 'max-age': 3600 }, 'surrogate-control': { 'max-age': 3600 } }
  env.emu.persistQuery(LIST, '{ noteList { items { _path title } } }', hour)
  env.emu.persistQuery(ONE, `{ noteByPath(_path: "${NOTE}") { item { _path title } } }`, hour)
})

function client () {
  return new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem, transport: 'native', cache: true })
}

function handlerFor (clients, options = {}) {
  return createEventsHandler({
    clients,
    clientId: events.recipient,
    sources: [events.source],
    publicKeyOrigin: events.publicKeyOrigin,
    ca: env.emu.caPem,
    ...options
  })
}

/** A node:http server on loopback running `listener`; resolves with its URL. */
async function serve (listener) {
  const server = http.createServer(listener)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  servers.push({ close: () => new Promise((resolve) => server.close(resolve)) })
  return `http://127.0.0.1:${server.address().port}/aem-events`
}

const titles = async (aem) => (await aem.runPersistedQuery(LIST)).data.noteList.items.map((item) => item.title)
const title = async (aem) => (await aem.runPersistedQuery(ONE)).data.noteByPath.item.title

const modified = (path = NOTE) => events.event('aem.sites.contentFragment.modified', { path, model: { id: 'note-model', path: MODEL } })

test('the registration\'s challenge is answered', async () => {
  const url = await serve(handlerFor([client()]).node)
  const { status, body, challenge } = await events.challenge(url)
  assert.equal(status, 200)
  assert.deepEqual(JSON.parse(body), { challenge })
})

test('a modified fragment is served new after its event; the other answers stay cached', async () => {
  const aem = client()
  const url = await serve(handlerFor([aem]).node)
  assert.equal(await title(aem), 'first, v1')
  await titles(aem)
  env.emu.addFragments('note', [{ _path: NOTE, title: 'first, v2' }])
  assert.equal(await title(aem), 'first, v1', 'cached for an hour')
  const delivered = await events.deliver(url, modified())
  assert.equal(delivered.status, 200)
  assert.deepEqual(JSON.parse(delivered.body), { received: 1, taken: 1 })
  // Soft: served stale once while it is revalidated, then new.
  await eventually(async () => (await title(aem)) === 'first, v2')
  await eventually(async () => (await titles(aem)).includes('first, v2'))
})

test('a list hears of a fragment created (or published) in its model', async () => {
  const aem = client()
  const url = await serve(handlerFor([aem]).node)
  assert.deepEqual(await titles(aem), ['first, v1', 'second'])
  env.emu.addFragments('note', [{ _path: '/content/dam/notes/en/third', title: 'third' }])
  await events.deliver(url, events.event('aem.sites.contentFragment.created', { path: '/content/dam/notes/en/third', model: { id: 'm', path: MODEL } }))
  await eventually(async () => (await titles(aem)).includes('third'))
})

test('a bad signature, an unknown key, another recipient or source, and a duplicate invalidate nothing, and are logged without secrets', async () => {
  const aem = client()
  const logged = []
  const url = await serve(handlerFor([aem], { logger: (event) => logged.push(event) }).node)
  await title(aem)
  env.emu.addFragments('note', [{ _path: NOTE, title: 'first, v2' }])
  const event = modified()
  assert.equal((await events.deliver(url, event, { fault: 'bad-signature' })).status, 401)
  assert.equal((await events.deliver(url, event, { fault: 'unknown-key' })).status, 401)
  for (const other of [{ recipientclientid: 'someone-else' }, { source: 'acct:aem-p1-e2@adobe.com' }]) {
    const answer = await events.deliver(url, { ...modified(), ...other })
    assert.deepEqual([answer.status, JSON.parse(answer.body)], [200, { received: 1, taken: 0 }])
  }
  await sleep(100)
  assert.equal(await title(aem), 'first, v1', 'nothing was invalidated')
  assert.deepEqual(logged.filter((e) => e.event === 'events-refused').map((e) => e.reason), ['signature', 'signature', 'recipient', 'source'])
  const text = JSON.stringify(logged)
  const signatures = Object.values(events.signatureHeaders(JSON.stringify(event)))
  for (const secret of [env.emu.devToken.accessToken, ...signatures]) assert.ok(!text.includes(secret))

  // A good second signature is enough (after a bad first one, or alone); the same event again is dropped.
  assert.deepEqual(JSON.parse((await events.deliver(url, event, { fault: 'bad-first' })).body), { received: 1, taken: 1 })
  assert.deepEqual(JSON.parse((await events.deliver(url, event, { fault: 'one-key' })).body), { received: 1, taken: 0 })
  await eventually(async () => (await title(aem)) === 'first, v2')
  env.emu.addFragments('note', [{ _path: NOTE, title: 'first, v3' }])
  assert.deepEqual(JSON.parse((await events.deliver(url, event, { retryCount: 1 })).body), { received: 1, taken: 0 })
  await sleep(100)
  assert.equal(await title(aem), 'first, v2')
})

test('unsigned, oddly keyed, oversized, aborted and replayed deliveries: refused, nothing fetched but Adobe\'s key paths, the server unharmed', async () => {
  const aem = client()
  const logged = []
  const url = await serve(handlerFor([aem], { logger: (event) => logged.push(event) }).node)
  const { port } = new URL(url)
  const body = JSON.stringify(modified())
  const [good] = Object.entries(events.signatureHeaders(body)).filter(([name]) => name.endsWith('signature-1'))
  env.emu.clearRequests()
  for (const path of ['//evil.example/prod/keys/pub-key-x.pem', '/prod/keys/../../x.pem', '/prod/keys/pub-key-x.pem?y', '/other/keys/pub-key-x.pem', 'https://evil.example/prod/keys/pub-key-x.pem']) {
    const answer = await fetch(url, { method: 'POST', headers: { [good[0]]: good[1], 'x-adobe-public-key1-path': path }, body })
    assert.equal(answer.status, 401, path)
  }
  assert.equal((await fetch(url, { method: 'POST', body })).status, 401, 'no signature at all')
  assert.deepEqual(env.emu.requests.map((r) => r.url), [], 'no key was fetched')

  const huge = Buffer.alloc(11 * 1024 * 1024, 0x20)
  assert.equal((await fetch(url, { method: 'POST', headers: events.signatureHeaders(body), body: huge })).status, 413)

  // A body cut short: the request fails, the server goes on.
  await new Promise((resolve) => {
    const socket = require('node:net').connect(Number(port), '127.0.0.1', () => {
      const headers = Object.entries(events.signatureHeaders(body)).map(([name, value]) => `${name}: ${value}`).join('\r\n')
      socket.write(`POST /aem-events HTTP/1.1\r\nhost: x\r\ncontent-length: 1000\r\n${headers}\r\n\r\n{"a"`)
      setTimeout(() => { socket.destroy(); resolve() }, 50)
    })
  })
  assert.equal((await events.challenge(url)).status, 200)

  // Signed, but more than a day old: past the window in which duplicates are dropped.
  const old = { ...modified(), time: new Date(Date.now() - 2 * 24 * 3600 * 1000).toISOString() }
  assert.deepEqual(JSON.parse((await events.deliver(url, old)).body), { received: 1, taken: 0 })
  assert.ok(logged.some((e) => e.event === 'events-refused' && e.reason === 'age'))
})

test('a fetch Request without a content-length is read up to the limit', async () => {
  const handler = handlerFor([client()])
  const body = JSON.stringify(modified())
  const stream = (bytes) => new ReadableStream({ start (controller) { controller.enqueue(bytes); controller.close() } })
  const small = await handler.fetch(new Request('http://127.0.0.1/aem-events', { method: 'POST', headers: events.signatureHeaders(body), body: stream(Buffer.from(body)), duplex: 'half' }))
  assert.equal(small.status, 200)
  const large = await handler.fetch(new Request('http://127.0.0.1/aem-events', { method: 'POST', headers: events.signatureHeaders(body), body: stream(new Uint8Array(11 * 1024 * 1024)), duplex: 'half' }))
  assert.equal(large.status, 413)
})

test('a batch, out of order, with a takedown: the unpublished fragment is removed, not served stale', async () => {
  const aem = client()
  const url = await serve(handlerFor([aem]).node)
  await title(aem)
  await titles(aem)
  env.emu.addFragments('note', [{ _path: NOTE, title: 'first, v2' }])
  const batch = [
    events.event('aem.sites.contentFragment.unpublished', { path: NOTE, model: { id: 'm', path: MODEL } }),
    events.event('aem.sites.page.published', { path: '/content/site/en' }),
    events.event('aem.sites.somethingElse.happened', {})
  ]
  assert.deepEqual(JSON.parse((await events.deliver(url, batch)).body), { received: 3, taken: 3 })
  const before = env.emu.requests.length
  assert.equal(await title(aem), 'first, v2', 'hard: the next call waited for AEM')
  assert.ok(env.emu.requests.length > before)
})

test('Express (express.raw), Fastify (a Buffer body) and a fetch Request take the same deliveries', async () => {
  const aem = client()
  const handler = handlerFor([aem])
  const app = express()
  app.post('/aem-events', express.raw({ type: '*/*', limit: '10mb' }), handler.node)
  app.get('/aem-events', handler.node)
  const expressServer = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)) })
  servers.push({ close: () => new Promise((resolve) => expressServer.close(resolve)) })
  const fast = fastify()
  fast.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => done(null, body))
  fast.route({ method: ['GET', 'POST'], url: '/aem-events', handler: handler.fastify })
  await fast.listen({ port: 0, host: '127.0.0.1' })
  servers.push({ close: () => fast.close() })
  const fetchUrl = await serve(async (req, res) => {
    const chunks = []
    for await (const chunk of req) chunks.push(chunk)
    const request = new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers: req.headers, body: req.method === 'POST' ? Buffer.concat(chunks) : undefined })
    const response = await handler.fetch(request)
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(await response.text())
  })
  const urls = {
    express: `http://127.0.0.1:${expressServer.address().port}/aem-events`,
    fastify: `http://127.0.0.1:${fast.server.address().port}/aem-events`,
    fetch: fetchUrl
  }
  let version = 1
  for (const [name, url] of Object.entries(urls)) {
    assert.equal((await events.challenge(url)).status, 200, name)
    assert.equal((await events.deliver(url, modified(), { fault: 'bad-signature' })).status, 401, name)
    await title(aem)
    version += 1
    env.emu.addFragments('note', [{ _path: NOTE, title: `first, v${version}` }])
    assert.deepEqual(JSON.parse((await events.deliver(url, modified())).body), { received: 1, taken: 1 }, name)
    await eventually(async () => (await title(aem)) === `first, v${version}`)
  }
  // A body parser that kept no bytes cannot be checked: said, not guessed.
  const parsed = express()
  parsed.post('/aem-events', express.json({ type: '*/*' }), handler.node)
  const parsedServer = await new Promise((resolve) => { const s = parsed.listen(0, '127.0.0.1', () => resolve(s)) })
  servers.push({ close: () => new Promise((resolve) => parsedServer.close(resolve)) })
  const refused = await events.deliver(`http://127.0.0.1:${parsedServer.address().port}/aem-events`, modified())
  assert.equal(refused.status, 500)
  assert.match(refused.body, /express.raw/)
})

test('replication slower than the first invalidation: a settle round marks the old content stale again; without one it stays', async () => {
  const [rounds, none] = [client(), client()]
  const urls = [await serve(handlerFor([rounds], { settleRetries: 1 }).node), await serve(handlerFor([none], { settleRetries: 0 }).node)]
  for (const aem of [rounds, none]) assert.equal(await title(aem), 'first, v1')
  env.emu.publishing.holdReplication()
  const hooks = urls.map((url) => events.subscribe(url))
  try {
    env.emu.publishing.modify('note', [{ _path: NOTE, title: 'first, v2' }])
    const published = await rounds.request('/adobe/sites/cf/fragments/publish', { method: 'POST', json: { paths: [NOTE] }, headers: { 'x-api-key': env.emu.apiKey } })
    assert.deepEqual(published.items, [{ path: NOTE, status: 'SUCCESS_TRIGGERED' }])
    for (const hook of hooks) await hook.idle()
    assert.deepEqual(hooks.map((hook) => hook.deliveries.map((delivery) => delivery.status)), [[200, 200], [200, 200]])
    // Asked again at the event: AEM still serves the old content (304), fresh again for an hour.
    const notModified = env.emu.stats.notModified
    for (const aem of [rounds, none]) assert.equal(await title(aem), 'first, v1')
    await eventually(() => env.emu.stats.notModified === notModified + 2)
    await sleep(1500) // past the round, a second after the first invalidation (and its second of margin)
    env.emu.publishing.releaseReplication()
    // Marked stale again by the round: served stale once more while it is revalidated, then new.
    await eventually(async () => (await title(rounds)) === 'first, v2')
    for (let i = 0; i < 3; i++) {
      assert.equal(await title(none), 'first, v1', 'without a round, the old content for its lifetime')
      await sleep(100)
    }
  } finally {
    for (const hook of hooks) hook.unsubscribe()
    env.emu.publishing.releaseReplication()
  }
})

test('what createEventsHandler takes is checked', () => {
  const aem = client()
  assert.throws(() => createEventsHandler({ clients: [], clientId: 'x' }), /clients must be a non-empty array/)
  assert.throws(() => createEventsHandler({ clients: [aem], clientId: '' }), /clientId must be/)
  assert.throws(() => createEventsHandler({ clients: [aem], clientId: 'x' }), /sources must list the events' sources/)
  assert.throws(() => createEventsHandler({ clients: [aem], clientId: 'x', sources: ['s'], publicKeyOrigin: 'http://static.adobeioevents.com' }), /publicKeyOrigin must be an https origin/)
  assert.throws(() => createEventsHandler({ clients: [aem], clientId: 'x', sources: ['s'], store: { get () {}, set () {} } }), /store must have lease/)
  assert.throws(() => createEventsHandler({ clients: [aem], clientId: 'x', sources: ['s'], settleMs: -1 }), /settleMs must be a number of milliseconds from 0 to 60000/)
  for (const settleRetries of [9, 1.5, '2']) {
    assert.throws(() => createEventsHandler({ clients: [aem], clientId: 'x', sources: ['s'], settleRetries }), /settleRetries must be a whole number from 0 to 8/)
  }
  const cloud = new AEMHeadless({ serviceURL: 'https://publish-p12345-e67890.adobeaemcloud.com', cache: true })
  assert.doesNotThrow(() => createEventsHandler({ clients: [cloud], clientId: 'x' }))
})
