'use strict'

// The benchmark server, run in its own process by server.js: HTTPS/1.1 with keep-alive, on
// 127.0.0.1, answering persisted-query GETs with bodies prepared before it listens, so that
// an answer costs the server as little as possible. `GET /_stats` reports its CPU time and
// how many answers it sent, for the benchmarks to state the server's own ceiling.

const https = require('node:https')
const { createTlsCertificate } = require('../../emulator/tls')
const { runPersistedQuery } = require('../../emulator/persisted')

/** A deterministic JSON document of about `bytes` bytes, shaped like a list of adventures. */
function largeBody (bytes) {
  const items = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const item = {
      _path: `/content/dam/bench/en/item-${i}`,
      title: `Item ${i}: Überquerung des Gletschers — ${'x'.repeat(i % 40)}`,
      slug: `item-${i}`,
      price: (i * 37) % 1000 + 0.99,
      tripLength: `${i % 14 + 1} Days`,
      featured: i % 3 === 0,
      tags: ['alpine', 'guided', `level-${i % 5}`],
      description: { plaintext: 'Walk across the ice with a guide, rope and crampons. '.repeat(4) },
      image: null
    }
    size += JSON.stringify(item).length + 1
    items.push(item)
  }
  return JSON.stringify({ data: { itemList: { items } } })
}

/** The bodies by persisted-query path. */
function prepareBodies () {
  const adventures = runPersistedQuery('GET', '/graphql/execute.json/wknd-shared/adventures-all', '')
  return new Map([
    ['/graphql/execute.json/wknd-shared/adventures-all', Buffer.from(JSON.stringify(adventures.json))],
    ['/graphql/execute.json/bench/adventures-publish', Buffer.from(JSON.stringify(adventures.json))],
    ['/graphql/execute.json/bench/large-1mb', Buffer.from(largeBody(1024 * 1024))],
    ['/graphql/execute.json/bench/large-10mb', Buffer.from(largeBody(10 * 1024 * 1024))]
  ])
}

/**
 * `Cache-Control` by path, else `max-age=60`: `bench/adventures-publish` is the adventures answer
 * with AEM's defaults for a persisted query on Publish, which a shared cache (undici's cache
 * interceptor) may store for a request with `Authorization` (RFC 9111 §3.5, for `s-maxage`).
 */
const CACHE_CONTROL = {
  '/graphql/execute.json/bench/adventures-publish': 'max-age=60, s-maxage=7200, stale-while-revalidate=86400, stale-if-error=86400'
}

/** Prepares the bodies, listens on a free port and sends the port, the certificate to trust (its CA) and sizes to the parent. */
async function main () {
  const bodies = prepareBodies()
  const { key, cert, caPem } = await createTlsCertificate()
  let served = 0
  const server = https.createServer({ key, cert, keepAliveTimeout: 60000 }, (request, response) => {
    if (request.url === '/_stats') {
      response.writeHead(200, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ cpu: process.cpuUsage(), served }))
      return
    }
    const body = bodies.get(request.url)
    request.resume()
    if (!body) {
      response.writeHead(404, { 'content-type': 'application/json' })
      response.end('{"errors":[{"message":"Not found"}]}')
      return
    }
    served++
    response.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, 'cache-control': CACHE_CONTROL[request.url] || 'max-age=60' })
    response.end(body)
  })
  server.maxRequestsPerSocket = 0
  server.listen(0, '127.0.0.1', () => {
    const sizes = Object.fromEntries([...bodies].map(([path, body]) => [path, body.length]))
    process.send({ port: server.address().port, cert: caPem, sizes })
  })
  process.on('disconnect', () => process.exit(0))
}

main().catch((error) => {
  console.error(error)
  process.exit(1)
})
