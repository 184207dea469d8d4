'use strict'

// TLS and proxies: HTTPS_PROXY/NO_PROXY and the proxy option, plain-http IMS only when allowed,
// and the credentials-file size limit.

const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const net = require('node:net')
const fs = require('node:fs')
const path = require('node:path')
const AEMHeadless = require('..')
const { getToken } = AEMHeadless
const { setup, rejectsWith } = require('./helpers')

let env
before(async () => { env = await setup() })
after(() => env.close())

/** A CONNECT proxy on loopback that counts tunnels, optionally demanding Basic credentials. */
async function startProxy (credentials) {
  const tunnels = []
  const server = http.createServer((req, res) => { res.writeHead(405); res.end() })
  const sockets = new Set()
  server.on('connection', (socket) => sockets.add(socket))
  server.on('connect', (req, client, head) => {
    const expected = credentials && `Basic ${Buffer.from(credentials).toString('base64')}`
    if (expected && req.headers['proxy-authorization'] !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic\r\n\r\n')
      return
    }
    tunnels.push(req.url)
    const [host, port] = req.url.split(':')
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('error', () => client.destroy())
    client.on('error', () => upstream.destroy())
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    tunnels,
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(resolve) })
  }
}

/** Sets environment variables while `build` runs (clients read them when they are built). */
function withEnv (vars, build) {
  const saved = {}
  for (const [k, v] of Object.entries(vars)) { saved[k] = process.env[k]; process.env[k] = v }
  try {
    return build()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

test('HTTPS_PROXY is honoured, and NO_PROXY bypasses it', async () => {
  const proxy = await startProxy()
  try {
    const target = `127.0.0.1:${env.emu.port}`
    const proxied = withEnv({ HTTPS_PROXY: proxy.url, NO_PROXY: '' }, () => new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem }))
    await proxied.runPersistedQuery('wknd-shared/adventures-all')
    assert.deepEqual(proxy.tunnels, [target])
    // authFetch too, though Node's own fetch does not read the variables.
    assert.equal((await proxied.authFetch('graphql/list.json')).status, 200)
    assert.equal(proxy.tunnels.length, 2)

    const bypassed = withEnv({ HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1' }, () => new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem }))
    await bypassed.runPersistedQuery('wknd-shared/adventures-all')
    assert.equal((await bypassed.authFetch('graphql/list.json')).status, 200)
    assert.equal(proxy.tunnels.length, 2, 'NO_PROXY bypassed the proxy')
  } finally {
    await proxy.close()
  }
})

test('the proxy option, with credentials that never show in errors', async () => {
  const proxy = await startProxy('proxyuser:pr0xy-s3cret')
  try {
    const port = proxy.url.split(':').pop()
    const good = new AEMHeadless({ serviceURL: env.emu.url, auth: env.emu.devToken.accessToken, ca: env.emu.caPem, proxy: `http://proxyuser:pr0xy-s3cret@127.0.0.1:${port}` })
    await good.runPersistedQuery('wknd-shared/adventures-all')
    assert.equal(proxy.tunnels.length, 1)

    const wrong = new AEMHeadless({ serviceURL: env.emu.url, auth: 't', ca: env.emu.caPem, proxy: `http://proxyuser:wr0ng-s3cret@127.0.0.1:${port}`, retries: { maxRetries: 0 } })
    const error = await rejectsWith(wrong.runPersistedQuery('wknd-shared/adventures-all'), 'REQUEST_ERROR')
    const shown = JSON.stringify(error.toJSON()) + String(error.cause && error.cause.message)
    assert.ok(!shown.includes('s3cret'), shown)

    // Clients with the same TLS and proxy settings share connections, so IMS (on the same host
    // as AEM here) would reuse the tunnel above; the proxy named as localhost is another client.
    const token = await getToken(env.emu.credentials, { ca: env.emu.caPem, proxy: `http://proxyuser:pr0xy-s3cret@localhost:${port}` })
    assert.match(token.accessToken, /^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+$/)
    assert.equal(proxy.tunnels.length, 2, 'IMS went through the proxy too')

    assert.throws(() => new AEMHeadless({ serviceURL: env.emu.url, proxy: 'http://u:hidden-pw@[bad' }), (e) => e.code === 'INVALID_PARAM' && !e.message.includes('hidden-pw'))
  } finally {
    await proxy.close()
  }
})

test('a plain-http IMS is refused unless allowInsecureHttp is set', async () => {
  const ims = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ token_type: 'bearer', access_token: 'plain-http-token', expires_in: 86399 }))
  })
  await new Promise((resolve) => ims.listen(0, '127.0.0.1', resolve))
  try {
    const oauth = { clientId: 'c', clientSecret: 's', scopes: ['AdobeID'], imsEndpoint: `http://127.0.0.1:${ims.address().port}` }
    const refused = await rejectsWith(getToken(oauth), 'INVALID_PARAM')
    assert.match(refused.message, /plain http/)
    const allowed = await getToken(oauth, { allowInsecureHttp: true })
    assert.equal(allowed.accessToken, 'plain-http-token')
  } finally {
    await new Promise((resolve) => ims.close(resolve))
  }
})

test('a huge credentials file is refused before it is read whole', async () => {
  const file = path.join(env.dir, 'huge.json')
  fs.writeFileSync(file, `{"pad":"${'x'.repeat(2 * 1024 * 1024)}"}`)
  const error = await rejectsWith(getToken(file), 'AUTH_FILE_READ_ERROR')
  assert.match(error.message, /larger than 1048576 bytes/)
})
