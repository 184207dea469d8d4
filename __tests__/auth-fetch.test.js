'use strict'

// authFetch, request and paginate against the emulator's Sites API (emulator/sites.js): the real
// openapi-fetch over authFetch, cursors, problem details, ETags, the 401 refresh, retries,
// redirects to another origin, streaming both ways, timeouts, aborts and tracing.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const diagnostics = require('node:diagnostics_channel')
const { Readable } = require('node:stream')
const { setup } = require('./helpers')
const { AEMHeadless, TokenProvider, AEMHeadlessError } = require('..')

const FRAGMENTS = '/adobe/sites/cf/fragments'

let env
before(async () => { env = await setup() })
after(() => env.close())

const client = (extra = {}) => new AEMHeadless({ serviceURL: env.emu.url, credentials: env.files.credentialsFile, ca: env.emu.caPem, ...extra })
const sitesRequests = () => env.emu.requests.filter((r) => r.url.startsWith('/adobe/sites'))

test('openapi-fetch over authFetch: list, get, and PUT with a fresh and a stale ETag', async () => {
  const { default: createClient } = await import('openapi-fetch')
  const aem = client()
  const sites = createClient({ baseUrl: `${env.emu.url}/adobe/sites`, fetch: aem.authFetch })

  const list = await sites.GET('/cf/fragments', { params: { query: { limit: 5 } } })
  assert.equal(list.response.status, 200)
  assert.equal(list.data.items.length, 5)
  assert.equal(typeof list.data.cursor, 'string')

  const id = list.data.items[0].id
  const got = await sites.GET('/cf/fragments/{fragmentId}', { params: { path: { fragmentId: id } } })
  assert.equal(got.response.status, 200)
  const etag = got.response.headers.get('etag')
  assert.ok(etag)
  assert.equal(got.data.data.id, id)

  const renamed = { title: 'Renamed by openapi-fetch', elements: got.data.data.elements }
  const put = await sites.PUT('/cf/fragments/{fragmentId}', { params: { path: { fragmentId: id } }, headers: { 'If-Match': etag }, body: renamed })
  assert.equal(put.response.status, 200)
  assert.equal(put.data.data.title, 'Renamed by openapi-fetch')
  assert.notEqual(put.response.headers.get('etag'), etag)

  const stale = await sites.PUT('/cf/fragments/{fragmentId}', { params: { path: { fragmentId: id } }, headers: { 'If-Match': etag }, body: { title: 'lost update' } })
  assert.equal(stale.response.status, 412)
  assert.equal(stale.data, undefined)
  assert.equal(stale.error.status, 412)

  const sent = sitesRequests().filter((r) => r.url.startsWith(FRAGMENTS))
  assert.ok(sent.every((r) => r.headers.authorization.startsWith('Bearer ') && r.headers['x-api-key'] === env.emu.apiKey))
})

test('paginate yields every fragment across cursors, and stops on abort', async () => {
  const aem = client()
  const ids = []
  for await (const fragment of aem.paginate(FRAGMENTS, { query: { limit: 4 } })) ids.push(fragment.id)
  assert.equal(ids.length, 27)
  assert.equal(new Set(ids).size, 27)

  const controller = new AbortController()
  const seen = []
  await assert.rejects(async () => {
    for await (const fragment of aem.paginate(FRAGMENTS, { query: { limit: 4 }, signal: controller.signal })) {
      seen.push(fragment)
      if (seen.length === 6) controller.abort()
    }
  }, (error) => error instanceof AEMHeadlessError && error.code === 'REQUEST_ERROR' && /aborted/.test(error.message))
  assert.equal(seen.length, 6)
})

test('request: JSON in and out, problem details, ETag on errors, 428 without If-Match', async () => {
  const aem = client()
  const { body, etag } = await aem.request(`${FRAGMENTS}/${(await firstFragment(aem)).id}`, { full: true })
  assert.ok(etag)
  assert.equal(typeof body.data.title, 'string')

  const missing = await aem.request(`${FRAGMENTS}/no-such-fragment`).catch((error) => error)
  assert.ok(missing instanceof AEMHeadlessError)
  assert.equal(missing.code, 'API_ERROR')
  assert.equal(missing.sdkDetails.status, 404)
  assert.equal(missing.sdkDetails.problem.status, 404)
  assert.equal(missing.sdkDetails.problem.title, 'Not Found')
  assert.match(missing.message, /404 \(Not Found/)

  const id = body.data.id
  const unconditional = await aem.request(`${FRAGMENTS}/${id}`, { method: 'PATCH', body: JSON.stringify([{ op: 'replace', path: '/title', value: 'x' }]), headers: { 'content-type': 'application/json-patch+json' } }).catch((e) => e)
  assert.equal(unconditional.sdkDetails.status, 428)
  assert.equal(unconditional.sdkDetails.problem.title, 'Precondition Required')

  const patched = await aem.request(`${FRAGMENTS}/${id}`, { method: 'PATCH', full: true, body: JSON.stringify([{ op: 'replace', path: '/title', value: 'Patched' }]), headers: { 'content-type': 'application/json-patch+json', 'if-match': etag } })
  assert.equal(patched.body.data.title, 'Patched')
  const stale = await aem.request(`${FRAGMENTS}/${id}`, { method: 'PATCH', body: JSON.stringify([{ op: 'replace', path: '/title', value: 'y' }]), headers: { 'content-type': 'application/json-patch+json', 'if-match': etag } }).catch((e) => e)
  assert.equal(stale.sdkDetails.status, 412)
  assert.equal(stale.sdkDetails.etag, patched.etag, 'the 412 says which ETag is current')
})

test('request with wait follows a 202 at the pace of Retry-After, then the 303 to the result', async () => {
  const aem = client()
  const { id } = await firstFragment(aem)
  env.emu.clearRequests()
  const result = await aem.request('/adobe/sites/cf/batch', { method: 'POST', json: { requests: [{ path: `/cf/fragments/${id}`, method: 'GET' }] }, wait: { timeout: 20000 } })
  assert.match(result.status, /^FINISHED/)
  assert.equal(result.responses.length, 1)
  assert.equal(result.responses[0].status, 200)
  const polls = sitesRequests().filter((r) => r.method === 'GET' && r.url.startsWith('/adobe/sites/cf/batch/'))
  assert.ok(polls.length >= 3, `polled ${polls.length} times`)

  const batch = { requests: [{ path: `/cf/fragments/${id}`, method: 'GET' }] }
  const accepted = await aem.request('/adobe/sites/cf/batch', { method: 'POST', json: batch, full: true })
  assert.equal(accepted.status, 202, 'without wait, the 202 is the answer')
  const tooShort = await aem.request('/adobe/sites/cf/batch', { method: 'POST', json: batch, wait: { timeout: 500 } }).catch((e) => e)
  assert.equal(tooShort.code, 'REQUEST_ERROR')
  assert.equal(tooShort.sdkDetails.timeout, true)
})

test('a revoked token is refreshed once and the request sent again, streamed bodies included', async () => {
  const provider = new TokenProvider(env.files.credentialsFile, { ca: env.emu.caPem })
  const aem = new AEMHeadless({ serviceURL: env.emu.url, tokenProvider: provider, ca: env.emu.caPem })
  const first = await firstFragment(aem)
  const { accessToken } = await provider.getAccessToken()
  assert.ok(env.emu.revokeToken(accessToken))
  env.emu.clearRequests()
  const response = await aem.authFetch(`${FRAGMENTS}/${first.id}`)
  assert.equal(response.status, 200)
  const sent = sitesRequests()
  assert.equal(sent.length, 2)
  assert.notEqual(sent[0].headers.authorization, sent[1].headers.authorization)
  assert.equal(sent[1].headers['x-api-key'], env.emu.apiKey)

  // A short stream is read ahead, so it can be sent again after the 401.
  const { etag } = await aem.request(`${FRAGMENTS}/${first.id}`, { full: true })
  assert.ok(env.emu.revokeToken((await provider.getAccessToken()).accessToken))
  const put = await aem.authFetch(`${FRAGMENTS}/${first.id}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'if-match': etag },
    body: Readable.from([Buffer.from('{"title":'), Buffer.from('"From a stream"}')]),
    duplex: 'half'
  })
  assert.equal(put.status, 200)
  assert.equal((await put.json()).data.title, 'From a stream')

  // Twice refused: the second 401 is the answer (one refresh per call).
  const denied = new AEMHeadless({ serviceURL: env.emu.url, tokenProvider: { getAccessToken: async () => ({ accessToken: 'never-valid' }) }, ca: env.emu.caPem, apiKey: env.emu.apiKey })
  env.emu.clearRequests()
  assert.equal((await denied.authFetch(FRAGMENTS)).status, 401)
  assert.equal(sitesRequests().length, 2)
})

test('no token or API key reaches another origin: an absolute URL, and a redirect to a blob store', async () => {
  const aem = client()
  const { id } = await firstFragment(aem)
  env.emu.blobStore.clearRequests()
  const redirected = await aem.authFetch(`${FRAGMENTS}/${id}/asset?size=1000`)
  assert.equal(redirected.status, 200)
  assert.equal((await redirected.arrayBuffer()).byteLength, 1000)
  const direct = await aem.authFetch(`${env.emu.blobStore.url}/blobs/x.bin?size=10`)
  assert.equal(direct.status, 403, 'unsigned: refused, but reached without credentials')
  const reached = env.emu.blobStore.requests
  assert.equal(reached.length, 2)
  for (const request of reached) {
    assert.equal(request.headers.authorization, undefined)
    assert.equal(request.headers['x-api-key'], undefined)
  }
  // request() and authFetch with the cache on go through the native client: it does not follow
  // a redirect to another origin either, and the answer comes through fetch, without credentials.
  const cachedClient = client({ cache: true })
  env.emu.blobStore.clearRequests()
  const bytes = await cachedClient.request(`${FRAGMENTS}/${id}/asset?size=1000`)
  assert.equal(bytes.length, 1000)
  const streamed = await cachedClient.authFetch(`${FRAGMENTS}/${id}/asset?size=1000`)
  assert.equal((await streamed.arrayBuffer()).byteLength, 1000)
  assert.equal(env.emu.blobStore.requests.length, 2)
  assert.ok(env.emu.blobStore.requests.every((r) => r.headers.authorization === undefined && r.headers['x-api-key'] === undefined))
  const manual = await aem.authFetch(`${FRAGMENTS}/${id}/asset`, { redirect: 'manual' })
  assert.equal(manual.status, 302)
  assert.ok(manual.headers.get('location').startsWith(env.emu.blobStore.url))
})

test('a large rendition streams: the body is not held in memory', async () => {
  const aem = client()
  const { id } = await firstFragment(aem)
  const size = 256 * 1024 * 1024
  global.gc?.()
  const before = process.memoryUsage().rss
  let peak = before
  let read = 0
  const response = await aem.authFetch(`${FRAGMENTS}/${id}/asset?size=${size}`)
  for await (const chunk of response.body) {
    read += chunk.byteLength
    if ((read & 0xfffff) < chunk.byteLength) peak = Math.max(peak, process.memoryUsage().rss)
  }
  assert.equal(read, size)
  assert.ok(peak - before < 96 * 1024 * 1024, `rss grew by ${Math.round((peak - before) / 1048576)} MiB for a 256 MiB body`)
})

test('retries: GET after 503 and 429 with Retry-After; a PATCH is not sent twice', async () => {
  const aem = client({ retries: { initialDelayMs: 1 } })
  const { id } = await firstFragment(aem)
  env.emu.failNextSitesRequests(2, { status: 503, retryAfter: 0, path: FRAGMENTS })
  env.emu.clearRequests()
  const response = await aem.authFetch(`${FRAGMENTS}/${id}`)
  assert.equal(response.status, 200)
  assert.equal(sitesRequests().length, 3)

  env.emu.failNextSitesRequests(1, { status: 429, retryAfter: 1, path: FRAGMENTS })
  env.emu.clearRequests()
  const started = Date.now()
  assert.equal((await aem.authFetch(FRAGMENTS)).status, 200)
  assert.ok(Date.now() - started >= 900, 'waited for Retry-After')
  assert.equal(sitesRequests().length, 2)

  // The client's retry policy is authFetch's: none at all here.
  env.emu.failNextSitesRequests(1, { status: 503, retryAfter: 0, path: FRAGMENTS })
  env.emu.clearRequests()
  assert.equal((await client({ retries: { maxRetries: 0 } }).authFetch(FRAGMENTS)).status, 503)
  assert.equal(sitesRequests().length, 1)

  env.emu.failNextSitesRequests(1, { status: 503, retryAfter: 0, path: FRAGMENTS })
  env.emu.clearRequests()
  const patch = await aem.authFetch(`${FRAGMENTS}/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json-patch+json', 'if-match': '"x"' }, body: '[]' })
  assert.equal(patch.status, 503)
  assert.equal(sitesRequests().length, 1)
})

test('timeout bounds the wait for headers, not the body; abort rejects with the signal\'s reason', async () => {
  const aem = client({ timeout: 500 })
  await assert.rejects(aem.authFetch('graphql/execute.json/fault/stall;ms=3000'), (error) => error.name === 'TimeoutError')
  const dripping = await aem.authFetch('graphql/execute.json/fault/drip;ms=150')
  assert.equal(dripping.status, 200)
  assert.ok((await dripping.text()).length > 0, 'the body outlived the timeout')

  const controller = new AbortController()
  const reason = new Error('stop')
  setTimeout(() => controller.abort(reason), 100)
  await assert.rejects(client().authFetch('graphql/execute.json/fault/stall;ms=3000', { signal: controller.signal }), (error) => error === reason)
})

test('authFetch is traced on the request channel, logged, and takes a Request, a URL or a path', async () => {
  const events = []
  const aem = client({ logger: (event) => events.push(event) })
  const seen = []
  const subscribers = { start: (context) => seen.push({ ...context }), asyncEnd: (context) => seen.push({ ...context }) }
  diagnostics.tracingChannel('aem-headless-rs:request').subscribe(subscribers)
  try {
    const fromRequest = await aem.authFetch(new Request(`${env.emu.url}${FRAGMENTS}?limit=1`, { headers: { accept: 'application/json' } }))
    assert.equal(fromRequest.status, 200)
    const fromUrl = await aem.authFetch(new URL(`${env.emu.url}${FRAGMENTS}?limit=1`))
    assert.equal(fromUrl.status, 200)
  } finally {
    diagnostics.tracingChannel('aem-headless-rs:request').unsubscribe(subscribers)
  }
  const starts = seen.filter((c) => c.status === undefined)
  assert.equal(starts.length, 2)
  assert.ok(starts.every((c) => c.operation === 'authFetch' && c.method === 'GET' && c.url.endsWith('/adobe/sites/cf/fragments?limit=1')))
  assert.ok(seen.some((c) => c.status === 200 && c.attempts === 1))
  const logged = events.filter((e) => e.event === 'request')
  assert.equal(logged.length, 2)
  assert.ok(logged.every((e) => e.level === 'debug' && e.method === 'GET' && e.status === 200 && e.attempts === 1 && e.url.endsWith('?limit=1')))
  const token = env.emu.requests.at(-1).headers.authorization.slice('Bearer '.length)
  assert.ok(!JSON.stringify(events).includes(token))
})

test('bad input is an error, never a crash', async () => {
  const aem = client()
  await assert.rejects(aem.authFetch('x', { method: 'GET', body: 'no' }), TypeError)
  await assert.rejects(aem.request(FRAGMENTS, { json: {}, body: 'x' }), (e) => e.code === 'INVALID_PARAM')
  await assert.rejects(aem.request('http://[', {}), (e) => e.code === 'INVALID_PARAM')
  const relative = new AEMHeadless({ auth: 'token' })
  await assert.rejects(relative.authFetch('/adobe/sites/cf/fragments'), (e) => e instanceof TypeError && /not absolute/.test(e.message))
  const paging = aem.paginate(`${FRAGMENTS}/no-such/previewUrl`)
  await assert.rejects(paging.next(), (e) => e.code === 'API_ERROR')
})

async function firstFragment (aem) {
  const page = await aem.request(FRAGMENTS, { query: { limit: 1 } })
  return page.items[0]
}
