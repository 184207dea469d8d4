'use strict'

// One process of the outage benchmark's shared-cache run: a client with `cache: { store }` over
// Redis (or a local cache only, with `local`), calling one persisted query CALLS_PER_S times a
// second for DURATION_MS; prints how many calls passed and failed.
//
//   node outage-worker.js SERVICE_URL TOKEN QUERY DURATION_MS CALLS_PER_S REDIS_URL [local]

const { createClient } = require('redis')
const { AEMHeadless, createRedisStore } = require('../..')

async function main () {
  const [serviceURL, token, query, durationMs, callsPerSecond, redisUrl, mode] = process.argv.slice(2)
  const redis = createClient({ url: redisUrl })
  redis.on('error', () => {})
  await redis.connect()
  const cache = mode === 'local' ? true : { store: createRedisStore(redis, { prefix: 'outage-bench:' }) }
  const aem = new AEMHeadless({ serviceURL, auth: token, cache })
  const until = Date.now() + Number(durationMs)
  const pause = 1000 / Number(callsPerSecond)
  let ok = 0
  let failed = 0
  while (Date.now() < until) {
    await aem.runPersistedQuery(query).then(() => { ok++ }, () => { failed++ })
    await new Promise((resolve) => setTimeout(resolve, pause))
  }
  process.stdout.write(JSON.stringify({ ok, failed }))
  redis.destroy()
}

main().then(() => process.exit(0), (error) => {
  console.error(error)
  process.exit(1)
})
