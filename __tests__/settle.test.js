'use strict'

// The settle rounds of AEM's events (lib/event-invalidations.js): the first round after the settle
// delay, then rounds 1 s, 2 s, 4 s … after it, a soft one reaching only the answers unchanged since
// the first (with a second of margin for other clocks), a hard one as it is; the rounds of one
// handler that fall due together merged; close() ending the delays under way and the rounds to come.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { setTimeout: sleep } = require('node:timers/promises')
const { createSettler, settleOptions } = require('../lib/event-invalidations')
const { eventually } = require('./helpers')

function recorder () {
  const calls = []
  return { calls, run: async (invalidation, settling) => { calls.push({ at: Date.now(), invalidation, settling }) } }
}

test('the first round at once, then two rounds: by path only what is unchanged since the first, lists and hard ones as they are', async () => {
  const { calls, run } = recorder()
  const settler = createSettler(run, { settleMs: 0, settleRetries: 2 })
  const started = Date.now()
  await settler.settle([{ mode: 'soft', paths: ['/a'], models: ['note'] }, { mode: 'hard', paths: ['/c'] }])
  assert.deepEqual(calls.map((call) => [call.invalidation, call.settling]), [
    [{ mode: 'soft', paths: ['/a'], models: ['note'] }, false],
    [{ mode: 'hard', paths: ['/c'] }, false]
  ])
  const firstDone = Date.now()
  await eventually(() => calls.length === 8, 7000)
  const rounds = calls.slice(2)
  assert.ok(rounds.every((call) => call.settling))
  const byKind = (kind) => rounds.filter(kind).map((call) => call.invalidation)
  const paths = byKind((call) => call.invalidation.mode === 'soft' && call.invalidation.paths)
  assert.equal(paths.length, 2)
  for (const invalidation of paths) {
    assert.deepEqual(invalidation.paths, ['/a'])
    assert.ok(invalidation.unchangedSince >= started + 1000 && invalidation.unchangedSince <= firstDone + 1000, String(invalidation.unchangedSince))
  }
  assert.deepEqual(byKind((call) => call.invalidation.mode === 'soft' && call.invalidation.models), [{ mode: 'soft', models: ['note'] }, { mode: 'soft', models: ['note'] }])
  assert.deepEqual(byKind((call) => call.invalidation.mode === 'hard'), [{ mode: 'hard', paths: ['/c'] }, { mode: 'hard', paths: ['/c'] }])
  // About a second after the first, then two (on whole seconds: up to a second later).
  assert.ok(rounds[0].at - firstDone >= 990 && rounds[0].at - firstDone < 2500, String(rounds[0].at - firstDone))
  assert.ok(rounds[5].at - firstDone >= 1990, String(rounds[5].at - firstDone))
  await sleep(1200)
  assert.equal(calls.length, 8, 'no more rounds')
})

test('the rounds of many events spread over time merge: a few a second, not a few per event', async () => {
  const { calls, run } = recorder()
  const settler = createSettler(run, { settleMs: 0, settleRetries: 2 })
  for (let i = 0; i < 25; i++) {
    await settler.settle([{ mode: 'soft', paths: [`/p${i}`] }])
    await sleep(20)
  }
  // 25 first rounds; then rounds on at most 3 whole seconds per level (the events span about half
  // a second, and a busy machine may stretch it): unmerged, there would be 50.
  await sleep(3200)
  const rounds = calls.filter((call) => call.settling)
  assert.ok(rounds.length <= 6, `${rounds.length} rounds`)
  const reached = new Set(rounds.flatMap((call) => call.invalidation.paths))
  assert.equal(reached.size, 25, 'every path in them')
  settler.close()
})

test('close(): a settle delay under way ends with its first round at once, and no round follows', async () => {
  const { calls, run } = recorder()
  const settler = createSettler(run, { settleMs: 60000, settleRetries: 3 })
  const first = settler.settle([{ mode: 'soft', paths: ['/a'] }])
  await sleep(20)
  assert.equal(calls.length, 0, 'in its settle delay')
  settler.close()
  await first
  assert.deepEqual(calls.map((call) => call.invalidation), [{ mode: 'soft', paths: ['/a'] }])
  await sleep(1300)
  assert.equal(calls.length, 1)
  await settler.settle([])
  assert.equal(calls.length, 1, 'nothing to invalidate')
})

test('the settle options are checked', () => {
  assert.deepEqual(settleOptions({}, 'x'), { settleMs: 0, settleRetries: 3 })
  assert.deepEqual(settleOptions({ settleMs: 2000, settleRetries: 0 }, 'x'), { settleMs: 2000, settleRetries: 0 })
  assert.throws(() => settleOptions({ settleMs: 60001 }, 'x'), /x: settleMs must be a number of milliseconds from 0 to 60000/)
  assert.throws(() => settleOptions({ settleRetries: 8.5 }, 'x'), /x: settleRetries must be a whole number from 0 to 8/)
})
