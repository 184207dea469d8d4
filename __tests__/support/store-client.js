'use strict'

// One process of the shared-store test: gets a token through a TokenProvider backed by Redis
// and prints it.
//
//   node store-client.js REDIS_URL CREDENTIALS_FILE

const { createClient } = require('redis')
const { TokenProvider, createRedisStore } = require('../..')

async function main () {
  const [redisUrl, credentialsFile] = process.argv.slice(2)
  const client = createClient({ url: redisUrl })
  await client.connect()
  try {
    const provider = new TokenProvider(credentialsFile, { store: createRedisStore(client) })
    const token = await provider.getAccessToken()
    process.stdout.write(JSON.stringify(token))
  } finally {
    await client.quit()
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
