'use strict'

// One process of the shared-refresh benchmark: takes a token from a TokenProvider every 50 ms
// for DURATION_MS, sharing it through Redis as STORE says, and prints how many calls got one.
//
//   node refresh-worker.js MODULE REDIS_URL CREDENTIALS_FILE CA_FILE DURATION_MS STORE
//
// STORE: `none` (each process alone), `get-set` (a store without lease) or `lease`.

const fs = require('node:fs')
const { createClient } = require('redis')

async function main () {
  const [modulePath, redisUrl, credentialsFile, caFile, durationMs, mode] = process.argv.slice(2)
  const { TokenProvider, createRedisStore } = require(modulePath)
  const client = createClient({ url: redisUrl })
  client.on('error', () => {})
  await client.connect()
  const redisStore = createRedisStore(client, { prefix: 'bench-refresh:' })
  const store = mode === 'none' ? undefined : mode === 'get-set' ? { get: redisStore.get, set: redisStore.set } : redisStore
  const provider = new TokenProvider(credentialsFile, { ca: fs.readFileSync(caFile, 'utf8'), store, refreshMarginMs: 0 })
  const until = Date.now() + Number(durationMs)
  let tokens = 0
  do {
    await provider.getAccessToken()
    tokens++
    await new Promise((resolve) => setTimeout(resolve, 50))
  } while (Date.now() < until)
  process.stdout.write(JSON.stringify({ tokens }))
  client.destroy()
}

main().then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
