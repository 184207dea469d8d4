'use strict'

// The emulator's caching headers for persisted queries, as AEM sends them per tier (Cache-Control
// for the browser, Surrogate-Control for the CDN), per-query values from persist.json, ETag and
// Last-Modified with 304 answers, the graphql-response+json mode, and the AEM outage modes.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const https = require('node:https')
const { setup } = require('./helpers')

const ADVENTURES = '/graphql/execute.json/wknd-shared/adventures-all'
const PUBLISH_SURROGATE = 'max-age=7200, stale-while-revalidate=86400, stale-if-error=86400'
const AUTHOR_SURROGATE = 'max-age=60, stale-while-revalidate=86400, stale-if-error=86400'

let publish
let author
let behindCdn
let strict

before(async () => {
  publish = await setup()
  author = await setup({ tier: 'author' })
  behindCdn = await setup({ surrogateControl: false })
  strict = await setup({ graphqlResponseJson: true })
})
after(async () => {
  for (const env of [publish, author, behindCdn, strict]) if (env) await env.close()
})

/** The persisted-query path of `conf/name` with AEM's variable suffix. */
function persisted (query, variables = {}) {
  const pairs = Object.entries(variables).map(([k, v]) => `;${k}=${v}`).join('')
  return `/graphql/execute.json/${query}${pairs ? encodeURIComponent(pairs) + ';' : ''}`
}

/**
 * One request to an emulator, answered as {status, headers, body}; rejects with the socket's error
 * (ECONNREFUSED, ECONNRESET) or `timeout`.
 */
function call (env, path, { method = 'GET', headers = {}, body, timeout, agent } = {}) {
  const { emu } = env
  return new Promise((resolve, reject) => {
    const req = https.request(emu.url + path, {
      method,
      agent: agent || new https.Agent({ ca: emu.caPem }),
      headers: { authorization: `Bearer ${emu.issueToken()}`, ...headers },
      timeout
    }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: text }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'timeout' })))
    req.on('error', reject)
    req.end(body)
  })
}

/** Persists `query` as `conf/name` (PUT), with an optional JSON body's extra fields. */
function persist (env, target, query, extra, method = 'PUT') {
  const body = extra === undefined ? query : JSON.stringify({ query, ...extra })
  return call(env, `/graphql/persist.json/${target}`, { method, body, headers: { 'content-type': 'application/json' } })
}

test('Publish: Cache-Control max-age=60 and Surrogate-Control with 7200 s for the CDN, an ETag and Last-Modified', async () => {
  const counted = publish.emu.stats.persistedQueries
  const res = await call(publish, ADVENTURES)
  assert.equal(res.status, 200)
  assert.equal(res.headers['content-type'], 'application/json;charset=utf-8')
  assert.equal(res.headers['cache-control'], 'max-age=60')
  assert.equal(res.headers['surrogate-control'], PUBLISH_SURROGATE)
  assert.match(res.headers.etag, /^"[^"]+"$/, 'a strong validator')
  assert.ok(!Number.isNaN(Date.parse(res.headers['last-modified'])))
  assert.equal(publish.emu.stats.persistedQueries, counted + 1)
  const again = await call(publish, ADVENTURES)
  assert.equal(again.headers.etag, res.headers.etag, 'the same body, the same ETag')
  const other = await call(publish, persisted('wknd-shared/adventures-all', { imageWidth: 300 }))
  assert.notEqual(other.headers.etag, res.headers.etag)
  const bySlug = await call(publish, persisted('wknd-shared/adventure-by-slug', { slug: 'bali-surf-camp' }))
  assert.equal(bySlug.headers['surrogate-control'], PUBLISH_SURROGATE)
})

test('Author: Surrogate-Control max-age=60', async () => {
  const res = await call(author, ADVENTURES)
  assert.equal(res.headers['cache-control'], 'max-age=60')
  assert.equal(res.headers['surrogate-control'], AUTHOR_SURROGATE)
  await assert.rejects(setup({ tier: 'preview' }), RangeError)
})

test('surrogateControl: false drops Surrogate-Control, as a CDN that consumes it', async () => {
  const res = await call(behindCdn, ADVENTURES)
  assert.equal(res.headers['cache-control'], 'max-age=60')
  assert.equal(res.headers['surrogate-control'], undefined)
  assert.ok(res.headers.etag)
  const fixture = await call(behindCdn, persisted('test/cache-control', { cc: 'max-age=5', sc: 'max-age=50' }))
  assert.equal(fixture.headers['cache-control'], 'max-age=5')
  assert.equal(fixture.headers['surrogate-control'], undefined)
})

test('persist.json: cache-control and surrogate-control replace the tier defaults for that query', async () => {
  const query = '{ articleList(limit: 1) { items { slug } } }'
  assert.equal((await persist(publish, 'caching/both', query, {
    'cache-control': { 'max-age': 300 },
    'surrogate-control': { 'max-age': 600, 'stale-while-revalidate': 1000, 'stale-if-error': 2000 }
  })).status, 201)
  let res = await call(publish, persisted('caching/both'))
  assert.equal(res.status, 200)
  assert.equal(res.headers['cache-control'], 'max-age=300')
  assert.equal(res.headers['surrogate-control'], 'max-age=600, stale-while-revalidate=1000, stale-if-error=2000')

  // Only some: the others stay the tier's.
  await persist(publish, 'caching/some', query, { 'surrogate-control': { 'stale-if-error': 0 } })
  res = await call(publish, persisted('caching/some'))
  assert.equal(res.headers['cache-control'], 'max-age=60')
  assert.equal(res.headers['surrogate-control'], 'max-age=7200, stale-while-revalidate=86400, stale-if-error=0')
  await persist(author, 'caching/max-age', query, { 'cache-control': { 'max-age': 5 } })
  res = await call(author, persisted('caching/max-age'))
  assert.equal(res.headers['cache-control'], 'max-age=5')
  assert.equal(res.headers['surrogate-control'], AUTHOR_SURROGATE)

  // Plain text: the defaults. An update replaces the query's values.
  await persist(publish, 'caching/plain', query)
  res = await call(publish, persisted('caching/plain'))
  assert.equal(res.headers['cache-control'], 'max-age=60')
  assert.equal(res.headers['surrogate-control'], PUBLISH_SURROGATE)
  assert.equal((await persist(publish, 'caching/both', query, undefined, 'POST')).status, 200)
  res = await call(publish, persisted('caching/both'))
  assert.equal(res.headers['surrogate-control'], PUBLISH_SURROGATE)

  const bad = [
    { 'cache-control': { 'max-age': -1 } },
    { 'cache-control': { 'max-age': 1.5 } },
    { 'cache-control': 60 },
    { 'cache-control': { 'max-age': 1, 's-maxage': 2 } },
    { 'surrogate-control': { 'max-age': '60' } },
    { 'surrogate-control': { 's-maxage': 60 } },
    { 'surrogate-control': {} },
    { 'surrogate-control': [60] }
  ]
  for (const [i, extra] of bad.entries()) {
    const answer = await persist(publish, `caching/bad-${i}`, query, extra)
    assert.equal(answer.status, 400, JSON.stringify(extra))
    const { errors } = JSON.parse(answer.body)
    assert.equal(errors[0].errorType, 'ServletError')
    assert.match(errors[0].message, /control' must be/)
  }
  assert.equal((await call(publish, persisted('caching/bad-0'))).status, 404, 'nothing was persisted')
})

test('If-None-Match: 304 without a body and with the same headers; a list, W/ and * match too', async () => {
  const first = await call(publish, ADVENTURES)
  const { etag } = first.headers
  const counted = publish.emu.stats.notModified
  for (const value of [etag, `"other", ${etag}`, `W/${etag}`, '*']) {
    const res = await call(publish, ADVENTURES, { headers: { 'if-none-match': value } })
    assert.equal(res.status, 304, value)
    assert.equal(res.body, '')
    assert.equal(res.headers.etag, etag)
    assert.equal(res.headers['cache-control'], 'max-age=60')
    assert.equal(res.headers['surrogate-control'], PUBLISH_SURROGATE)
    assert.equal(res.headers['last-modified'], first.headers['last-modified'])
    assert.equal(res.headers['content-type'], undefined)
  }
  assert.equal(publish.emu.stats.notModified, counted + 4)
  const changed = await call(publish, ADVENTURES, { headers: { 'if-none-match': '"something-else"' } })
  assert.equal(changed.status, 200)
  assert.equal(changed.body, first.body)
  // POST runs the query whatever its validators say.
  const post = await call(publish, ADVENTURES, { method: 'POST', body: '{}', headers: { 'if-none-match': etag, 'content-type': 'application/json' } })
  assert.equal(post.status, 200)
  // 304 in the other tier and behind the CDN too, with their headers.
  const authorFirst = await call(author, ADVENTURES)
  const authorAgain = await call(author, ADVENTURES, { headers: { 'if-none-match': authorFirst.headers.etag } })
  assert.equal(authorAgain.status, 304)
  assert.equal(authorAgain.headers['surrogate-control'], AUTHOR_SURROGATE)
  const cdn = await call(behindCdn, ADVENTURES, { headers: { 'if-none-match': '*' } })
  assert.equal(cdn.status, 304)
  assert.equal(cdn.headers['surrogate-control'], undefined)
})

test('If-Modified-Since without If-None-Match: 304 when not modified since', async () => {
  const first = await call(publish, ADVENTURES)
  const lastModified = first.headers['last-modified']
  const since = (date) => call(publish, ADVENTURES, { headers: { 'if-modified-since': date } })
  assert.equal((await since(lastModified)).status, 304)
  assert.equal((await since(new Date(Date.parse(lastModified) + 1000).toUTCString())).status, 304)
  assert.equal((await since(new Date(Date.parse(lastModified) - 1000).toUTCString())).status, 200)
  assert.equal((await since('not a date')).status, 200)
  assert.equal((await since(new Date(Date.now() + 3600e3).toUTCString())).status, 200, 'a date in the future is ignored')
  // If-None-Match wins: not matching means 200 whatever If-Modified-Since says.
  const both = await call(publish, ADVENTURES, { headers: { 'if-none-match': '"nope"', 'if-modified-since': lastModified } })
  assert.equal(both.status, 200)

  // A persisted query was last modified when it was persisted.
  const t0 = Math.floor(Date.now() / 1000) * 1000
  await persist(publish, 'caching/dated', '{ articleList(limit: 2) { items { slug } } }')
  const dated = await call(publish, persisted('caching/dated'))
  assert.ok(Date.parse(dated.headers['last-modified']) >= t0)
  const notModified = await call(publish, persisted('caching/dated'), { headers: { 'if-modified-since': dated.headers['last-modified'] } })
  assert.equal(notModified.status, 304)
  assert.equal(notModified.headers.etag, dated.headers.etag)
})

test('test/cache-control: cc, sc, age and vary; an ETag only with the etag variable, whose body is then fixed', async () => {
  const plain = await call(publish, persisted('test/cache-control', { cc: 'max-age=5', sc: 'max-age=50, stale-if-error=9', age: 2, vary: 'Accept' }))
  assert.equal(plain.headers['cache-control'], 'max-age=5')
  assert.equal(plain.headers['surrogate-control'], 'max-age=50, stale-if-error=9')
  assert.equal(plain.headers.age, '2')
  assert.equal(plain.headers.vary, 'Accept')
  assert.equal(plain.headers.etag, undefined)
  assert.equal(plain.headers['last-modified'], undefined)
  const bare = await call(publish, persisted('test/cache-control'))
  assert.equal(bare.headers['cache-control'], undefined, 'no defaults on the test route')
  assert.equal(bare.headers['surrogate-control'], undefined)
  assert.notEqual(JSON.parse(bare.body).data.cached.serial, JSON.parse(plain.body).data.cached.serial)

  const key = `v-${Date.now()}`
  const vars = { cc: 'max-age=1', etag: key }
  const first = await call(publish, persisted('test/cache-control', vars))
  assert.equal(first.headers.etag, `"${key}"`)
  const second = await call(publish, persisted('test/cache-control', vars))
  assert.equal(second.body, first.body, 'the body is fixed for that etag')
  const revalidated = await call(publish, persisted('test/cache-control', vars), { headers: { 'if-none-match': `"${key}"` } })
  assert.equal(revalidated.status, 304)
  assert.equal(revalidated.headers.etag, `"${key}"`)
  assert.equal(revalidated.headers['cache-control'], 'max-age=1')
  const weak = await call(publish, persisted('test/cache-control', { etag: `W/"${key}-w"` }))
  assert.equal(weak.headers.etag, `W/"${key}-w"`)
  assert.equal((await call(publish, persisted('test/cache-control', { etag: `W/"${key}-w"` }), { headers: { 'if-none-match': `"${key}-w"` } })).status, 304)
})

test('graphqlResponseJson: graphql-response+json, 400 for invalid queries or variables, 500 for execution errors', async () => {
  const ok = await call(strict, ADVENTURES)
  assert.equal(ok.status, 200)
  assert.equal(ok.headers['content-type'], 'application/graphql-response+json;charset=utf-8')
  assert.equal(ok.headers['surrogate-control'], PUBLISH_SURROGATE)
  assert.ok(ok.headers.etag)

  const page = 'query ($after: String, $first: Int) { articlePaginated(first: $first, after: $after) { edges { cursor } } }'
  for (const env of [strict, publish]) assert.equal((await persist(env, 'strict/page', page)).status, 201)
  const cases = [
    // graphql-java's ValidationError for a variable it could not coerce (no data)
    [persisted('wknd-shared/adventure-by-slug'), 400],
    // a fixture with a ValidationError next to data: null
    [persisted('test/query-error'), 400],
    // graphql-js: a variable of the wrong type, no data
    [persisted('strict/page', { first: 'many' }), 400],
    // graphql-js: a resolver error, data: {articlePaginated: null}
    [persisted('strict/page', { after: 'not-a-cursor' }), 500],
    // an error next to data
    [persisted('test/cache-control', { errors: 1, cc: 'max-age=60' }), 500]
  ]
  for (const [path, status] of cases) {
    const res = await call(strict, path)
    assert.equal(res.status, status, path)
    assert.equal(res.headers['content-type'], 'application/graphql-response+json;charset=utf-8', path)
    assert.ok(JSON.parse(res.body).errors.length > 0)
    assert.equal(res.headers.etag, undefined, path)
    assert.equal(res.headers['surrogate-control'], undefined, path)
    // The default mode: 200 application/json, same body.
    const lenient = await call(publish, path)
    assert.equal(lenient.status, 200, path)
    assert.equal(lenient.headers['content-type'], 'application/json;charset=utf-8')
  }
  // Servlet errors stay as they are.
  const missing = await call(strict, persisted('strict/nope'))
  assert.equal(missing.status, 404)
  assert.equal(missing.headers['content-type'], 'application/json;charset=utf-8')
})

test("outage '503': AEM answers a Dispatcher page without Retry-After; IMS still answers", async () => {
  const env = await setup()
  try {
    await env.emu.setAemOutage('503')
    assert.equal(env.emu.aemOutage, '503')
    const counted = env.emu.stats.persistedQueries
    for (const path of [ADVENTURES, '/graphql/list.json', '/adobe/sites/cf/fragments']) {
      const res = await call(env, path)
      assert.equal(res.status, 503, path)
      assert.match(res.headers['content-type'], /^text\/html/)
      assert.match(res.body, /Service Unavailable/)
      assert.equal(res.headers['retry-after'], undefined)
    }
    assert.equal(env.emu.stats.persistedQueries, counted, 'nothing reached AEM')
    assert.equal(env.emu.stats.outageAnswers, 3)
    const account = env.emu.credentials.integration.technicalAccount
    const ims = await call(env, '/ims/token/v3', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: account.clientId, client_secret: account.clientSecret }).toString()
    })
    assert.equal(ims.status, 200)
    await env.emu.setAemOutage(null)
    assert.equal((await call(env, ADVENTURES)).status, 200)
    assert.equal(env.emu.stats.persistedQueries, counted + 1)
    assert.throws(() => env.emu.setAemOutage('down'), RangeError)
  } finally {
    await env.close()
  }
})

test("outage 'hang': no answer; held connections are dropped when it ends", async () => {
  const env = await setup()
  let closed = false
  try {
    await env.emu.setAemOutage('hang')
    const started = Date.now()
    await assert.rejects(call(env, ADVENTURES, { timeout: 300 }), { code: 'timeout' })
    assert.ok(Date.now() - started >= 290)
    const held = call(env, ADVENTURES)
    const outcome = held.then(() => 'answered', (e) => e.code)
    await new Promise((resolve) => setTimeout(resolve, 100))
    await env.emu.setAemOutage(null)
    assert.equal(await outcome, 'ECONNRESET')
    assert.equal((await call(env, ADVENTURES)).status, 200)
    // Closing the emulator drops them too.
    await env.emu.setAemOutage('hang')
    const dropped = call(env, ADVENTURES).then(() => 'answered', (e) => e.code)
    await new Promise((resolve) => setTimeout(resolve, 100))
    closed = true
    await env.close()
    assert.equal(await dropped, 'ECONNRESET')
  } finally {
    if (!closed) await env.close()
  }
})

test("outage 'refuse': ECONNREFUSED (IMS too), open connections dropped; normal again after null", async () => {
  const env = await setup()
  const agent = new https.Agent({ ca: env.emu.caPem, keepAlive: true })
  try {
    assert.equal((await call(env, ADVENTURES, { agent })).status, 200)
    const inFlight = call(env, persisted('test/cache-control', { delay: 2000 }), { agent }).then(() => 'answered', (e) => e.code)
    await new Promise((resolve) => setTimeout(resolve, 100))
    await env.emu.setAemOutage('refuse')
    assert.equal(await inFlight, 'ECONNRESET')
    await assert.rejects(call(env, ADVENTURES, { agent }), { code: 'ECONNREFUSED' })
    await assert.rejects(call(env, '/ims/token/v3', { method: 'POST', body: '' }), { code: 'ECONNREFUSED' })
    await env.emu.setAemOutage(null)
    const res = await call(env, ADVENTURES, { agent })
    assert.equal(res.status, 200)
    assert.equal(res.headers['surrogate-control'], PUBLISH_SURROGATE)
    // Closing during the outage works as well.
    await env.emu.setAemOutage('refuse')
  } finally {
    agent.destroy()
    await env.close()
  }
})
