#!/usr/bin/env node
// Fresh within seconds of a publish: an app's server that serves AEM's persisted queries from a
// response cache shared through Redis, and takes AEM's events (Adobe I/O Events) on a webhook.
// An event that reaches any one process invalidates the answers it concerns in every process:
// Redis pub/sub carries the invalidation, and the next call is answered new. Run as many
// processes as you like on one Redis.
//
//   node examples/freshness.js AEM_HOST CREDENTIALS_FILE REDIS_URL [PORT]
//
//   GET  /query/:conf/:name   the persisted query's answer (from the shared cache when fresh)
//   GET  /aem-events          the webhook's registration challenge
//   POST /aem-events          AEM's events, signed by Adobe I/O Events
//
// Register https://<this host>/aem-events as the webhook of the AEM Sites events in the Developer
// Console, for the same project as CREDENTIALS_FILE. Outside AEM as a Cloud Service hosts, say
// which sources to take in AEM_EVENT_SOURCES (comma-separated `acct:aem-p<program>-e<env>@adobe.com`).
// AEM_SETTLE_MS and AEM_SETTLE_RETRIES set the settle delay and rounds (default 0 and 3).
// AEM_EVENTS_KEY_ORIGIN replaces Adobe's key host, for the emulator only. With AEM_JOURNAL_URL
// (the registration's journal), one of the processes also follows the journal: events reach the
// caches even when the webhook cannot be reached.
const http = require('node:http')
const redis = require('redis')
const { AEMHeadless, AEMHeadlessError, TokenProvider, createRedisStore, createEventsHandler } = require('aem-headless-rs')

async function createApp ({ serviceURL, credentials, redisUrl }) {
  const client = redis.createClient({ url: redisUrl })
  const subscriber = client.duplicate()
  // While Redis is down the cache and the tokens do without it (and the client's logger says
  // so); an 'error' listener keeps node-redis's reconnection errors from ending the process.
  for (const connection of [client, subscriber]) connection.on('error', () => {})
  await Promise.all([client.connect(), subscriber.connect()])
  const store = createRedisStore(client, { subscriber })

  // Warnings and what events did, as JSON lines (not each request, logged at `debug`).
  const logger = (event) => { if (event.level !== 'debug') console.log(JSON.stringify(event)) }
  const tokenProvider = new TokenProvider(credentials, { store })
  await tokenProvider.getAccessToken() // also gives the client id events are addressed to
  const aem = new AEMHeadless({ serviceURL, endpoint: '', tokenProvider, cache: { store }, logger })
  // How long to wait before invalidating, and how many settle rounds follow (docs/FRESHNESS.md).
  const settle = {
    settleMs: Number(process.env.AEM_SETTLE_MS || 0),
    settleRetries: Number(process.env.AEM_SETTLE_RETRIES || 3)
  }
  const events = createEventsHandler({
    clients: [aem],
    clientId: tokenProvider.clientId,
    store,
    sources: process.env.AEM_EVENT_SOURCES ? process.env.AEM_EVENT_SOURCES.split(',') : undefined,
    publicKeyOrigin: process.env.AEM_EVENTS_KEY_ORIGIN || undefined,
    ...settle,
    logger
  })

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url, 'http://localhost')
    if (url.pathname === '/aem-events') return events.node(request, response)
    const match = /^\/query\/([\w-]+\/[\w-]+)$/.exec(url.pathname)
    let answer
    try {
      answer = request.method !== 'GET' ? { status: 405, body: { error: 'GET only' } }
        : match ? { status: 200, body: await aem.runPersistedQuery(match[1]) }
          : { status: 404, body: { error: 'not found' } }
    } catch (error) {
      answer = { status: 502, body: { error: 'AEM request failed', code: error instanceof AEMHeadlessError ? error.code : 'INTERNAL' } }
    }
    response.writeHead(answer.status, { 'content-type': 'application/json' })
    response.end(JSON.stringify(answer.body))
  })
  const follower = process.env.AEM_JOURNAL_URL ? aem.events.follow({ url: process.env.AEM_JOURNAL_URL, ...settle }) : null
  server.on('close', async () => {
    events.close()
    if (follower !== null) await follower.stop()
    await Promise.all([client.quit(), subscriber.quit()]).catch(() => {})
  })
  return server
}

if (require.main === module) {
  const [serviceURL, credentials, redisUrl, port = '8080'] = process.argv.slice(2)
  if (!serviceURL || !credentials || !redisUrl) {
    console.error('usage: node examples/freshness.js AEM_HOST CREDENTIALS_FILE REDIS_URL [PORT]')
    process.exitCode = 2
  } else {
    createApp({ serviceURL, credentials, redisUrl }).then((server) => {
      server.listen(Number(port), '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${server.address().port}`))
      process.on('SIGTERM', () => server.close())
    }, (error) => {
      console.error(error instanceof AEMHeadlessError ? error.toJSON() : error)
      process.exitCode = 1
    })
  }
}

module.exports = { createApp }
