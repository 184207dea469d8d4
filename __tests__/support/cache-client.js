'use strict'

// One process of the shared-cache tests: its own AEMHeadless with service credentials (so its
// own token) and a response cache shared through Redis (or not, with `local`), calling a persisted
// query every 50 ms for DURATION_MS, then printing how many calls passed and the codes of those
// that failed.
//
//   node cache-client.js REDIS_URL SERVICE_URL CREDENTIALS_FILE CA_FILE QUERY DURATION_MS [local]

const fs = require('node:fs')
const { createClient } = require('redis')
const { AEMHeadless, createRedisStore } = require('../..')

async function main () {
  const [redisUrl, serviceURL, credentialsFile, caFile, query, durationMs, mode] = process.argv.slice(2)
  const client = createClient({ url: redisUrl, socket: { reconnectStrategy: () => 100 } })
  client.on('error', () => {})
  await client.connect()
  const store = createRedisStore(client, { prefix: 'cache-test:' })
  const cache = mode === 'local' ? true : { store }
  const aem = new AEMHeadless({ serviceURL, ca: fs.readFileSync(caFile, 'utf8'), credentials: credentialsFile, cache })
  const until = Date.now() + Number(durationMs)
  let ok = 0
  const failures = []
  do {
    try {
      await aem.runPersistedQuery(query)
      ok++
    } catch (error) {
      failures.push(`${error.code}: ${error.message}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  } while (Date.now() < until)
  process.stdout.write(JSON.stringify({ ok, failures }))
  client.destroy()
}

main().then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
