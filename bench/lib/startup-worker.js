'use strict'

// One fresh process of bench/startup.js: times the require of a client package and, when
// asked, `count` constructions of its AEMHeadless after a first one. Prints JSON:
// {requireMs, firstNewUs, newUs: [...]}.
//
//   node startup-worker.js ours|adobe [COUNT]

const [contender, countText = '0'] = process.argv.slice(2)
const PACKAGES = { ours: 'aem-headless-rs', adobe: '@adobe/aem-headless-client-nodejs' }
const SERVICE_URL = 'https://publish-p12345-e67890.adobeaemcloud.com'

/** Microseconds that `make` takes to run once. */
function timeUs (make) {
  const start = process.hrtime.bigint()
  make()
  return Number(process.hrtime.bigint() - start) / 1e3
}

function main () {
  const start = process.hrtime.bigint()
  const { AEMHeadless } = require(PACKAGES[contender])
  const requireMs = Number(process.hrtime.bigint() - start) / 1e6
  const count = Number(countText)
  const result = { requireMs }
  if (count > 0) {
    result.firstNewUs = timeUs(() => new AEMHeadless({ serviceURL: SERVICE_URL }))
    result.newUs = Array.from({ length: count }, () => timeUs(() => new AEMHeadless({ serviceURL: SERVICE_URL })))
  }
  process.stdout.write(JSON.stringify(result))
}

main()
