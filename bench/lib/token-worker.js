'use strict'

// One contender of bench/token.js in its own process (Adobe's client reads
// NODE_EXTRA_CA_CERTS at start): `count` calls of getToken(file), one after another, after
// `warmUp` more. Prints JSON: the latencies in ms, and the process CPU time (every thread) per
// timed call in µs.
//
//   node token-worker.js ours|adobe CREDENTIALS_FILE COUNT WARM_UP

const [contender, file, countText, warmUpText] = process.argv.slice(2)

const { getToken } = contender === 'adobe' ? require('@adobe/aem-headless-client-nodejs') : require('../..')

async function main () {
  for (let i = 0; i < Number(warmUpText); i++) await getToken(file)
  const latencies = []
  const cpu = process.cpuUsage()
  for (let i = 0; i < Number(countText); i++) {
    const start = process.hrtime.bigint()
    const token = await getToken(file)
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6)
    if (!token.accessToken) throw new Error('no token')
  }
  const used = process.cpuUsage(cpu)
  process.stdout.write(JSON.stringify({ latencies, cpuUs: (used.user + used.system) / latencies.length }))
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
