'use strict'

// One process of the shared-token tests: for DURATION_MS, calls AEM every 100 ms with a token
// from a TokenProvider that shares its token through Redis, then prints how many calls passed
// and the codes of those that failed.
//
//   node lease-client.js REDIS_URL SERVICE_URL CREDENTIALS_FILE CA_FILE DURATION_MS [OPTIONS_JSON]
//
// OPTIONS_JSON: TokenProvider options (leaseMs, storeTimeoutMs, refreshRatio, …), and
// `withoutLease: true` for a store that has only get and set.

const fs = require('node:fs')
const { createClient } = require('redis')
const AEMHeadless = require('../..')
const { TokenProvider, createRedisStore } = AEMHeadless

async function main () {
  const [redisUrl, serviceURL, credentialsFile, caFile, durationMs, optionsJson] = process.argv.slice(2)
  const { withoutLease, ...options } = JSON.parse(optionsJson || '{}')
  const ca = fs.readFileSync(caFile, 'utf8')
  // Reconnects for ever; while Redis is down its commands wait, and the provider's store
  // timeout bypasses them.
  // Says where it is if it is still running long after its run (the test then kills it).
  let stage = 'connecting to Redis'
  setTimeout(() => console.error(`still ${stage} ${Number(durationMs) + 30000} ms after the start`), Number(durationMs) + 30000).unref()
  const client = createClient({ url: redisUrl, socket: { reconnectStrategy: () => 100 } })
  client.on('error', () => {})
  await client.connect()
  // The test may stop Redis once every client has said this.
  process.stderr.write('connected\n')
  const redisStore = createRedisStore(client, { prefix: 'lease-test:' })
  const store = withoutLease ? { get: redisStore.get, set: redisStore.set } : redisStore
  const provider = new TokenProvider(credentialsFile, { ca, store, ...options })
  const aem = new AEMHeadless({ serviceURL, ca, tokenProvider: provider })
  const until = Date.now() + Number(durationMs)
  stage = 'calling AEM'
  let ok = 0
  const failures = []
  do {
    try {
      await aem.runPersistedQuery('wknd-shared/adventures-all')
      ok++
    } catch (error) {
      failures.push(`${error.code}: ${error.message}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  } while (Date.now() < until)
  stage = 'closing the Redis client'
  process.stdout.write(JSON.stringify({ ok, failures }))
  client.destroy()
  stage = 'exiting'
}

main().then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
