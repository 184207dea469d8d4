'use strict'

// authFetch, request and paginate at their edges, against two plain HTTP origins on loopback
// that record what reaches them: the service URL's ("aem") and another ("cdn"). Credentials
// never come back once a redirect chain has left AEM; what fetch refuses is refused the same way;
// an abort while the body is read ahead or while a token is awaited rejects with the signal's
// reason; pages end on a cursor seen before; the body limit holds for request().

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const { AEMHeadless, AEMHeadlessError } = require('..')

/** An origin on loopback: `routes[path](req, body, res)`, and every request it got. */
async function origin (routes) {
  const seen = []
  const server = http.createServer((req, res) => {
    const chunks = []
    req.on('data', (c) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString()
      const path = req.url.split('?')[0]
      seen.push({ method: req.method, url: req.url, headers: req.headers, body })
      const route = routes[path]
      if (route) return route(req, body, res)
      res.writeHead(404, { 'content-type': 'application/problem+json' })
      res.end(JSON.stringify({ type: 'about:blank', title: 'Not Found', status: 404, detail: path }))
    })
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${server.address().port}`
  return { url, seen, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve) }) }
}

const redirect = (status, location) => (req, body, res) => { res.writeHead(status, { location }); res.end() }
const json = (value, headers = {}) => (req, body, res) => { res.writeHead(200, { 'content-type': 'application/json', ...headers }); res.end(JSON.stringify(value)) }

let aem
let cdn
let cachedServed = 0
let cachedDown = false
let fetchServed = 0
let fetchDown = false
before(async () => {
  aem = await origin({
    '/echo': (req, body, res) => json({ method: req.method, body, authorization: req.headers.authorization ?? null, apiKey: req.headers['x-api-key'] ?? null, app: req.headers['x-app'] ?? null })(req, body, res),
    '/out': (req, body, res) => redirect(307, `${cdn.url}/back`)(req, body, res),
    '/see-other': redirect(303, '/echo'),
    '/to-data': redirect(302, 'data:application/json,{"forged":true}'),
    '/text': (req, body, res) => { res.writeHead(200, { 'content-type': 'text/plain' }); res.end('plain words') },
    '/empty': (req, body, res) => { res.writeHead(204); res.end() },
    '/bytes': (req, body, res) => { res.writeHead(200, { 'content-type': 'image/png' }); res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe])) },
    '/big': (req, body, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify({ pad: 'x'.repeat(3 * 1024 * 1024) })) },
    '/pages': (req, body, res) => {
      const cursor = new URL(req.url, aem.url).searchParams.get('cursor')
      const pages = { '': { items: [1, 2], cursor: 'b' }, b: { items: [3, 4], cursor: 'c' }, c: { items: [5] } }
      json(pages[cursor ?? ''] ?? { items: [] })(req, body, res)
    },
    '/cached': (req, body, res) => {
      if (cachedDown) {
        res.writeHead(503, { 'content-type': 'text/html' })
        return res.end('down')
      }
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=1, stale-if-error=60', etag: '"c1"' })
      res.end(JSON.stringify({ served: ++cachedServed }))
    },
    '/cached-fetch': (req, body, res) => {
      if (fetchDown) {
        res.writeHead(503, { 'content-type': 'text/html' })
        return res.end('down')
      }
      res.writeHead(200, {
        'content-type': 'application/json',
        'cache-control': 'max-age=1, stale-if-error=60',
        etag: '"f1"',
        link: '</cached-fetch?cursor=2>; rel="next"'
      })
      res.end(JSON.stringify({ served: ++fetchServed }))
    },
    '/with-cookie': (req, body, res) => json({ served: aem.seen.filter((r) => r.url === '/with-cookie').length }, { 'cache-control': 'max-age=60', 'set-cookie': 'affinity=abc; Path=/' })(req, body, res),
    '/moved': redirect(301, '/cached-fetch'),
    '/no-type': (req, body, res) => { res.writeHead(200, { 'cache-control': 'max-age=60' }); res.end('{"typed":false}') },
    '/validated': (req, body, res) => {
      if (req.headers['if-none-match'] === '"v9"') {
        res.writeHead(304, { etag: '"v9"' })
        return res.end()
      }
      json({ version: 9 }, { etag: '"v9"' })(req, body, res)
    },
    '/circles': (req, body, res) => {
      const cursor = new URL(req.url, aem.url).searchParams.get('cursor')
      json({ items: [cursor], cursor: cursor === 'a' ? 'b' : 'a' })(req, body, res)
    }
  })
  // The other origin sends chains back into AEM, to a path that echoes what arrived.
  cdn = await origin({ '/back': redirect(307, `${aem.url}/echo`), '/into-aem': redirect(302, `${aem.url}/echo`) })
})
after(async () => { await aem.close(); await cdn.close() })

const client = (extra = {}) => new AEMHeadless({ serviceURL: aem.url, auth: 'SERVICE-TOKEN-xyz', apiKey: 'the-api-key', headers: { 'x-app': 'app-header' }, ...extra })

test('credentials go to AEM only while the chain never left it: not back from another origin, not A→B→A', async () => {
  const aemClient = client()
  const fromElsewhere = await (await aemClient.authFetch(`${cdn.url}/into-aem`)).json()
  assert.deepEqual([fromElsewhere.authorization, fromElsewhere.apiKey, fromElsewhere.app], [null, null, null])

  const roundTrip = await aemClient.authFetch('/out', { method: 'PUT', body: '{"title":"payload"}', headers: { 'content-type': 'application/json' } })
  const landed = await roundTrip.json()
  assert.equal(landed.method, 'PUT')
  assert.deepEqual([landed.authorization, landed.apiKey, landed.app], [null, null, null], 'A→B→A arrives without credentials')
  assert.equal(roundTrip.redirected, true)
  assert.ok(roundTrip.url.endsWith('/echo'))
  for (const request of cdn.seen) assert.equal(request.headers.authorization, undefined)

  const direct = await (await aemClient.authFetch('/echo')).json()
  assert.deepEqual([direct.authorization, direct.apiKey, direct.app], ['Bearer SERVICE-TOKEN-xyz', 'the-api-key', 'app-header'], 'the client\'s headers, auth and apiKey go to AEM')
  // Basic credentials as the native client encodes them (ISO-8859-1, as btoa): one encoding.
  const basic = await (await client({ auth: ['admin', 'pässwörd'] }).authFetch('/echo')).json()
  assert.equal(basic.authorization, `Basic ${Buffer.from('admin:pässwörd', 'latin1').toString('base64')}`)
  const own = await (await aemClient.authFetch('/echo', { headers: { authorization: 'Bearer own', 'x-api-key': 'own-key' } })).json()
  assert.deepEqual([own.authorization, own.apiKey], ['Bearer own', 'own-key'])
})

test('redirects as fetch makes them: 303 turns into a GET, data: is not followed, redirect: error rejects', async () => {
  const aemClient = client()
  const seeOther = await (await aemClient.authFetch('/see-other', { method: 'POST', body: 'x' })).json()
  assert.deepEqual([seeOther.method, seeOther.body], ['GET', ''])
  await assert.rejects(aemClient.authFetch('/to-data'), (e) => e instanceof TypeError && e.message === 'fetch failed' && /only http: and https: locations are followed/.test(e.cause.message))
  await assert.rejects(aemClient.request('/to-data'), (e) => e.code === 'REQUEST_ERROR')
  await assert.rejects(aemClient.authFetch('/see-other', { redirect: 'error' }), TypeError)
  await assert.rejects(aemClient.authFetch('/echo', { redirect: 'bogus' }), TypeError)
  const manual = await aemClient.authFetch('/see-other', { redirect: 'manual' })
  assert.equal(manual.status, 303)
})

test('what fetch refuses is refused, unquoted and not retried: credentials in a URL, a bad URL', async () => {
  const aemClient = client()
  const before = aem.seen.length
  const withPassword = await aemClient.authFetch(`http://admin:hunter2-PASSWORD@127.0.0.1:1/x`).catch((e) => e)
  assert.ok(withPassword instanceof TypeError)
  assert.doesNotMatch(withPassword.message, /hunter2/)
  const viaRequest = await aemClient.request(`http://admin:hunter2-PASSWORD@127.0.0.1:1/x`).catch((e) => e)
  assert.doesNotMatch(JSON.stringify(viaRequest.toJSON()) + viaRequest.message, /hunter2/)
  const signed = await aemClient.request(`${aem.url}/missing?se=2030&sig=SECRET-SIGNATURE-abc`).catch((e) => e)
  assert.equal(signed.sdkDetails.status, 404)
  assert.doesNotMatch(signed.message + JSON.stringify(signed.toJSON()), /SECRET-SIGNATURE/)
  assert.equal(aem.seen.length, before + 1, 'only the signed URL reached AEM')
})

test('a signal aborted before the call sends nothing and rejects with its reason, on every path of authFetch', async () => {
  const reason = new Error('aborted before')
  const before = aem.seen.length
  // Unmanaged: the call's own Authorization (no managed token is awaited first).
  await assert.rejects(client().authFetch('/echo', { method: 'POST', body: '{}', headers: { authorization: 'Bearer own' }, signal: AbortSignal.abort(reason) }), (e) => e === reason)
  // A client without credentials, and one with them.
  await assert.rejects(new AEMHeadless({ serviceURL: aem.url }).authFetch('/echo', { method: 'POST', body: '{}', signal: AbortSignal.abort(reason) }), (e) => e === reason)
  await assert.rejects(client().authFetch('/echo', { signal: AbortSignal.abort(reason) }), (e) => e === reason)
  assert.equal(aem.seen.length, before, 'nothing reached AEM')
})

test('an abort while a streamed body is read ahead, or while a token is awaited, rejects with the signal\'s reason', async () => {
  const aemClient = client()
  const never = new ReadableStream({ pull () { return new Promise(() => {}) } })
  const controller = new AbortController()
  const reason = new Error('caller gave up')
  setTimeout(() => controller.abort(reason), 100)
  await assert.rejects(aemClient.authFetch('/echo', { method: 'POST', body: never, duplex: 'half', signal: controller.signal }), (e) => e === reason)

  const slowTokens = new AEMHeadless({ serviceURL: aem.url, tokenProvider: { getAccessToken: () => new Promise(() => {}) } })
  const stop = new AbortController()
  setTimeout(() => stop.abort(reason), 100)
  await assert.rejects(slowTokens.authFetch('/echo', { signal: stop.signal }), (e) => e === reason)
  const timed = new AEMHeadless({ serviceURL: aem.url, timeout: 200, tokenProvider: { getAccessToken: () => new Promise(() => {}) } })
  await assert.rejects(timed.authFetch('/echo'), (e) => e.name === 'TimeoutError')
  const viaRequest = await timed.request('/echo').catch((e) => e)
  assert.equal(viaRequest.code, 'REQUEST_ERROR')
  assert.equal(viaRequest.sdkDetails.timeout, true)
})

test('bodies of every kind fetch takes, sent again after a retry', async () => {
  const aemClient = client()
  const form = new FormData()
  form.set('a', '1')
  for (const [body, expected] of [
    [new Blob(['blob body']), 'blob body'],
    [new URLSearchParams({ q: 'x y' }), 'q=x+y'],
    [new TextEncoder().encode('bytes'), 'bytes'],
    [new ReadableStream({ start (c) { c.enqueue(new TextEncoder().encode('web stream')); c.close() } }), 'web stream'],
    [(async function * () { yield 'async '; yield 'iterable' })(), 'async iterable'],
    [form, 'name="a"']
  ]) {
    const echoed = await (await aemClient.authFetch('/echo', { method: 'POST', body, duplex: 'half' })).json()
    assert.ok(echoed.body.includes(expected), `${expected}: ${echoed.body}`)
  }
})

test('request: text, bytes, null, query arrays and strings, bad input as INVALID_PARAM, the body limit', async () => {
  const aemClient = client({ maxResponseBytes: 1024 * 1024 })
  assert.equal(await aemClient.request('/text'), 'plain words')
  assert.equal(await aemClient.request('/empty'), null)
  assert.deepEqual([...await aemClient.request('/bytes')], [0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe])
  await aemClient.request('/echo', { query: { tag: ['a', 'b'], skip: undefined } })
  assert.ok(aem.seen.at(-1).url.endsWith('/echo?tag=a&tag=b'))
  await aemClient.request('/echo', { query: 'limit=5&x=1' })
  assert.ok(aem.seen.at(-1).url.endsWith('/echo?limit=5&x=1'))
  const tooBig = await aemClient.request('/big').catch((e) => e)
  assert.equal(tooBig.code, 'RESPONSE_ERROR')
  assert.match(tooBig.message, /larger than the limit of 1048576 bytes/)
  for (const options of [{ headers: { 'bad name': '1' } }, { json: {} }, { method: 'POST', json: {}, wait: { timeout: -1 } }]) {
    const sent = aem.seen.length
    await assert.rejects(aemClient.request('/echo', options), (e) => e instanceof AEMHeadlessError && e.code === 'INVALID_PARAM', JSON.stringify(options))
    assert.equal(aem.seen.length, sent, 'refused before anything was sent')
  }
  assert.throws(() => new AEMHeadless({ serviceURL: aem.url, apiKey: 'a\r\nb' }), (e) => e.code === 'INVALID_PARAM')
})

test('paginate: a cursor already in the path is replaced, and cursors that go round end the pages', async () => {
  const aemClient = client()
  const all = []
  for await (const item of aemClient.paginate('/pages?cursor=b')) all.push(item)
  assert.deepEqual(all, [3, 4, 5])
  const fromStart = []
  for await (const item of aemClient.paginate('/pages', { query: new URLSearchParams({ limit: '2' }) })) fromStart.push(item)
  assert.deepEqual(fromStart, [1, 2, 3, 4, 5])
  assert.ok(aem.seen.at(-1).url.includes('limit=2'))
  const seen = []
  await assert.rejects(async () => { for await (const item of aemClient.paginate('/circles')) seen.push(item) }, (e) => e.code === 'RESPONSE_ERROR' && /round in circles/.test(e.message))
  assert.ok(seen.length <= 3)
})

test('a supplied fetch owns retries: authFetch makes one attempt', async () => {
  let calls = 0
  const supplied = async () => { calls++; return new Response('busy', { status: 503 }) }
  const aemClient = client({ fetch: supplied })
  assert.equal((await aemClient.authFetch('/echo')).status, 503)
  assert.equal(calls, 1)
})

test('request() GETs go through the client\'s cache: fresh answers, conditional revalidation, stale-if-error', async () => {
  const aemClient = client({ cache: true, retries: { maxRetries: 0 } })
  const first = await aemClient.request('/cached', { full: true })
  assert.deepEqual(first.body, { served: 1 })
  assert.equal(first.etag, '"c1"')
  assert.deepEqual(await aemClient.request('/cached'), { served: 1 }, 'fresh: from the cache')
  assert.equal(aem.seen.filter((r) => r.url === '/cached').length, 1)
  await new Promise((resolve) => setTimeout(resolve, 1050))
  cachedDown = true
  try {
    assert.deepEqual(await aemClient.request('/cached'), { served: 1 }, 'AEM down: the stale entry, within stale-if-error')
  } finally {
    cachedDown = false
  }
  const sent = aem.seen.filter((r) => r.url === '/cached')
  assert.equal(sent.length, 2)
  assert.equal(sent[1].headers['if-none-match'], '"c1"')
  assert.equal(sent[1].headers['x-api-key'], 'the-api-key')
  // Errors keep request()'s shape through the cache's path.
  const missing = await aemClient.request('/nothing-here').catch((e) => e)
  assert.equal(missing.code, 'API_ERROR')
  assert.equal(missing.sdkDetails.status, 404)
  assert.equal(missing.sdkDetails.problem.title, 'Not Found')
  // Binary answers are not cached: they come through fetch, as bytes.
  assert.deepEqual([...await aemClient.request('/bytes')], [0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe])
})

test('authFetch GETs go through the client\'s cache: the answer as a Response, every status, stale-if-error, and fetch\'s cache modes', async () => {
  const aemClient = client({ cache: true, retries: { maxRetries: 0 } })
  const sent = () => aem.seen.filter((r) => r.url === '/cached-fetch')
  const first = await aemClient.authFetch('/cached-fetch')
  assert.ok(first instanceof Response)
  assert.equal(first.status, 200)
  assert.equal(first.url, `${aem.url}/cached-fetch`)
  assert.equal(first.headers.get('etag'), '"f1"')
  assert.equal(first.headers.get('link'), '</cached-fetch?cursor=2>; rel="next"')
  assert.deepEqual(await first.json(), { served: 1 })
  assert.equal(sent().length, 1)
  assert.equal(sent()[0].headers.authorization, 'Bearer SERVICE-TOKEN-xyz')
  assert.equal(sent()[0].headers['x-api-key'], 'the-api-key')
  assert.equal(sent()[0].headers['x-app'], 'app-header')
  // Fresh: from the cache, for a path and for the absolute URL alike.
  assert.deepEqual(await (await aemClient.authFetch(`${aem.url}/cached-fetch`)).json(), { served: 1 })
  assert.equal(sent().length, 1)
  // fetch's cache modes other than `default` send it through fetch, and leave the entry as it is.
  assert.deepEqual(await (await aemClient.authFetch('/cached-fetch', { cache: 'no-store' })).json(), { served: 2 })
  assert.deepEqual(await (await aemClient.authFetch(new Request(`${aem.url}/cached-fetch`, { cache: 'reload' }))).json(), { served: 3 })
  assert.equal(sent().length, 3)
  await new Promise((resolve) => setTimeout(resolve, 1050))
  fetchDown = true
  try {
    const stale = await aemClient.authFetch('/cached-fetch')
    assert.equal(stale.status, 200, 'AEM down: the stale entry, within stale-if-error')
    assert.deepEqual(await stale.json(), { served: 1 })
  } finally {
    fetchDown = false
  }
  assert.equal(sent().length, 4)
  assert.equal(sent()[3].headers['if-none-match'], '"f1"', 'revalidation is conditional')
  // Any other status is the Response AEM sent, its body and type as they came, sent once.
  const notFound = await aemClient.authFetch('/nothing-here?from=cache')
  assert.equal(notFound.status, 404)
  assert.equal(notFound.headers.get('content-type'), 'application/problem+json')
  assert.equal((await notFound.json()).title, 'Not Found')
  assert.equal(aem.seen.filter((r) => r.url === '/nothing-here?from=cache').length, 1)
  // …and logged as an answer, once, not as a failure.
  const events = []
  const logged = await client({ cache: true, logger: (event) => events.push(event) }).authFetch('/nothing-here?logged')
  assert.equal(logged.status, 404)
  const requests = events.filter((event) => event.event === 'request')
  assert.deepEqual(requests.map((event) => [event.level, event.status, event.code]), [['debug', 404, undefined]])
  // An answer that sets a cookie goes to its caller, cookie and all, and is not kept for others.
  for (const served of [1, 2]) {
    const withCookie = await aemClient.authFetch('/with-cookie')
    assert.deepEqual(withCookie.headers.getSetCookie(), ['affinity=abc; Path=/'])
    assert.deepEqual(await withCookie.json(), { served })
  }
  // A redirect within AEM's origin, followed by the native client: the Response says where it ended.
  const moved = await aemClient.authFetch('/moved')
  assert.equal(moved.url, `${aem.url}/cached-fetch`)
  assert.equal(moved.redirected, true)
  assert.equal(first.redirected, false)
  // No type is made up for an answer that came without one.
  const untyped = await aemClient.authFetch('/no-type')
  assert.equal(untyped.headers.get('content-type'), null)
  assert.deepEqual(await untyped.json(), { typed: false })
  // A request that asks for no stored answer, or sets preconditions, goes to AEM.
  const before = sent().length
  for (const headers of [{ 'Cache-Control': 'no-cache' }, { Pragma: 'no-cache' }, { 'If-Match': '"f1"' }]) {
    assert.equal((await aemClient.authFetch('/cached-fetch', { headers })).status, 200)
  }
  assert.equal(sent().length, before + 3)
  // The app's own validators: AEM's 304 is the answer, sent once.
  const notModified = await aemClient.authFetch('/validated', { headers: { 'If-None-Match': '"v9"' } })
  assert.equal(notModified.status, 304)
  assert.equal(notModified.headers.get('etag'), '"v9"')
  assert.equal(aem.seen.filter((r) => r.url === '/validated').length, 1)
  // A binary is not kept: the cache's request holds it for its caller, unread, and its bytes
  // come whole from that one request, for authFetch and request() alike.
  const bytesSent = () => aem.seen.filter((r) => r.url === '/bytes').length
  const bytesBefore = bytesSent()
  assert.deepEqual([...new Uint8Array(await (await aemClient.authFetch('/bytes')).arrayBuffer())], [0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe])
  assert.equal(bytesSent(), bytesBefore + 1)
  assert.deepEqual([...await aemClient.request('/bytes')], [0x89, 0x50, 0x4e, 0x47, 0xff, 0xfe])
  assert.equal(bytesSent(), bytesBefore + 2)
  // Failures reject as fetch's do: an abort with the signal's reason, no connection with a TypeError.
  const reason = new Error('stopped by the app')
  await assert.rejects(aemClient.authFetch('/cached-fetch', { signal: AbortSignal.abort(reason) }), (e) => e === reason)
  const nowhere = new AEMHeadless({ serviceURL: 'http://127.0.0.1:9', auth: 'SERVICE-TOKEN-xyz', cache: true, retries: { maxRetries: 0 } })
  const refused = await nowhere.authFetch('/cached-fetch').catch((e) => e)
  assert.ok(refused instanceof TypeError, String(refused))
  assert.equal(refused.cause.code, 'REQUEST_ERROR')
  assert.doesNotMatch(`${refused.message} ${refused.cause.message}`, /SERVICE-TOKEN/)
})
