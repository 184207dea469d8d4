#!/usr/bin/env node
// A node:http server that serves AEM content through one shared TokenProvider: every request
// uses the same cached token, refreshed ahead of expiry, fetched once however many requests
// arrive together. Identical requests in flight share one call to AEM (coalesce).
//
//   node examples/http-route.js AEM_HOST CREDENTIALS_FILE [PORT]
//
//   GET /adventures         every adventure (persisted query wknd-shared/adventures-all)
//   GET /adventures/:slug   one adventure, or 404
//
// AEM failures become 502 with the error's code; nothing secret is ever in a response.
const http = require('node:http')
const { AEMHeadless, TokenProvider, AEMHeadlessError } = require('aem-headless-rs')

function createApp ({ serviceURL, credentials }) {
  const tokenProvider = new TokenProvider(credentials)
  const aem = new AEMHeadless({ serviceURL, endpoint: '', tokenProvider, coalesce: true })

  async function route (url) {
    if (url.pathname === '/adventures') {
      const { data } = await aem.runPersistedQuery('wknd-shared/adventures-all')
      return { status: 200, body: data.adventureList.items }
    }
    const match = /^\/adventures\/([a-z0-9-]+)$/.exec(url.pathname)
    if (match) {
      const { data } = await aem.runPersistedQuery('wknd-shared/adventure-by-slug', { slug: match[1] })
      const [adventure] = data.adventureList.items
      return adventure ? { status: 200, body: adventure } : { status: 404, body: { error: 'no such adventure' } }
    }
    return { status: 404, body: { error: 'not found' } }
  }

  return http.createServer(async (request, response) => {
    let answer
    try {
      answer = request.method === 'GET'
        ? await route(new URL(request.url, 'http://localhost'))
        : { status: 405, body: { error: 'GET only' } }
    } catch (error) {
      const code = error instanceof AEMHeadlessError ? error.code : 'INTERNAL'
      console.error(error instanceof AEMHeadlessError ? error.toJSON() : error)
      answer = { status: 502, body: { error: 'AEM request failed', code } }
    }
    response.writeHead(answer.status, { 'content-type': 'application/json' })
    response.end(JSON.stringify(answer.body))
  })
}

if (require.main === module) {
  const [serviceURL, credentials, port = '8080'] = process.argv.slice(2)
  if (!serviceURL || !credentials) {
    console.error('usage: node examples/http-route.js AEM_HOST CREDENTIALS_FILE [PORT]')
    process.exitCode = 2
  } else {
    const server = createApp({ serviceURL, credentials })
    server.listen(Number(port), '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`))
  }
}

module.exports = { createApp }
