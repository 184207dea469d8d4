'use strict'

// One long-lived AbortSignal given to many authFetch calls holds nothing of them once their
// answers are gone (Node 20's AbortSignal.any, which authFetch used, kept what it combined once its
// result had a listener: 160,000 calls grew the heap by 12.7 MiB). The calls go through an app's own fetch that
// answers at once, so that many of them take seconds; the heap is measured after collections.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const v8 = require('node:v8')
const vm = require('node:vm')
const { AEMHeadless } = require('..')

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc')

/** The heap after collections, once finalizers have run. */
async function settledHeap () {
  for (let i = 0; i < 4; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().heapUsed
}

test('a long-lived signal given to 60,000 authFetch calls holds nothing of them', async () => {
  const client = new AEMHeadless({ serviceURL: 'https://aem.example', auth: 'token', fetch: async () => new Response('{}') })
  const signal = new AbortController().signal
  const round = async (count, withSignal) => {
    for (let i = 0; i < count; i++) await (await client.authFetch('/adobe/sites/cf/fragments', withSignal ? { signal } : {})).text()
  }
  await round(10000, true)
  const before = await settledHeap()
  await round(60000, true)
  const grown = (await settledHeap()) - before
  assert.ok(grown < 1.5 * 1024 * 1024, `the heap grew by ${(grown / 1048576).toFixed(1)} MiB over 60,000 calls`)
  // And the signal still aborts a call in flight, and its answer's body.
  const controller = new AbortController()
  const slow = new AEMHeadless({
    serviceURL: 'https://aem.example',
    auth: 'token',
    // A body that never ends, but that the request's signal errors, as fetch's does.
    fetch: async (url, init) => new Response(new ReadableStream({
      start: (controller) => init.signal.addEventListener('abort', () => controller.error(init.signal.reason))
    }), { status: 200 })
  })
  const response = await slow.authFetch('/adobe/sites/cf/fragments', { signal: controller.signal })
  const reading = response.text()
  const reason = new Error('the app gave up')
  controller.abort(reason)
  await assert.rejects(reading, (error) => error === reason || error.name === 'AbortError')
})
