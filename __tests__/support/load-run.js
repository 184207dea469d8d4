'use strict'

// The load run, in its own process (node --expose-gc) so that its memory can be measured:
// 10,000 concurrent requests through one client whose token stops being valid half-way.
// Prints {failures, refreshes, rssBefore, rssAfter, seconds, warmSeconds}.

const { setup } = require('../helpers')
const AEMHeadless = require('../..')

const REQUESTS = 10000
const WARM_UP_BURSTS = 4

function settle () {
  for (let i = 0; i < 3; i++) global.gc()
  return new Promise((resolve) => setTimeout(resolve, 200)).then(() => { global.gc(); return process.memoryUsage().rss })
}

async function main () {
  const env = await setup()
  try {
    const provider = new AEMHeadless.TokenProvider(env.emu.credentials, { ca: env.emu.caPem })
    const aem = new AEMHeadless({ serviceURL: env.emu.url, tokenProvider: provider, ca: env.emu.caPem })
    const call = () => aem.runPersistedQuery('wknd-shared/adventure-by-slug', { slug: 'bali-surf-camp' })
    let failures = 0
    const burst = (count, half) => {
      let done = 0
      return Promise.all(Array.from({ length: count }, () => call().then(
        () => { if (++done === count / 2 && half) half() },
        () => { failures++ }
      )))
    }
    // Warm-up bursts until memory is at its steady state: the first bursts raise the allocator's
    // high-water mark (connections, pools, JIT), after which RSS stays flat burst after burst.
    const warm = Date.now()
    // They have the same shape as the measured one.
    for (let i = 0; i < WARM_UP_BURSTS; i++) {
      const token = await provider.getAccessToken()
      await burst(REQUESTS, () => env.emu.revokeToken(token.accessToken))
      env.emu.clearRequests()
    }
    const warmSeconds = (Date.now() - warm) / 1000
    const rssBefore = await settle()

    const { accessToken } = await provider.getAccessToken()
    const exchanges = env.emu.stats.exchanges
    const started = Date.now()
    failures = 0
    // Half-way through, the token stops being valid, as an expired one does: AEM answers 401.
    await burst(REQUESTS, () => env.emu.revokeToken(accessToken))
    const seconds = (Date.now() - started) / 1000
    const refreshes = env.emu.stats.exchanges - exchanges
    env.emu.clearRequests()
    const rssAfter = await settle()
    process.stdout.write(JSON.stringify({ failures, refreshes, rssBefore, rssAfter, seconds, warmSeconds }))
  } finally {
    // Exit at once: the 256 pooled keep-alive connections would otherwise hold the emulator's
    // close for the pool's idle timeout.
    process.exit(process.exitCode || 0)
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
