'use strict'

/**
 * Runs `count` calls of `call` by `workers` in a closed loop (each worker starts its next call
 * when the last one ends); resolves with each call's latency in ms, in start order.
 * `onDone(n)` runs after the n-th call finishes.
 * @param {() => Promise<{data?: unknown}>} call resolves with a GraphQL answer, which must have `data`
 */
async function closedLoop (call, count, workers, onDone = () => {}) {
  // Written through once, so that its pages are resident before any RSS is sampled.
  const latencies = new Float64Array(count).fill(-1)
  let started = 0
  let done = 0
  async function worker () {
    while (started < count) {
      const index = started++
      const start = process.hrtime.bigint()
      const json = await call()
      if (!json.data) throw new Error('no data in the answer')
      latencies[index] = Number(process.hrtime.bigint() - start) / 1e6
      onDone(++done)
    }
  }
  await Promise.all(Array.from({ length: workers }, worker))
  return latencies
}

module.exports = { closedLoop }
