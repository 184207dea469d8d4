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

test('the first round at once, then two rounds: soft ones for content unchanged since the first, hard ones as they are, those due together merged', async () => {
  const { calls, run } = recorder()
  const settler = createSettler(run, { settleMs: 0, settleRetries: 2 })
  const started = Date.now()
  await Promise.all([
    settler.settle([{ mode: 'soft', paths: ['/a'] }]),
    settler.settle([{ mode: 'soft', paths: ['/b'], models: ['note'] }, { mode: 'hard', paths: ['/c'] }])
  ])
  assert.deepEqual(calls.map((call) => [call.invalidation, call.settling]), [
    [{ mode: 'soft', paths: ['/a'] }, false],
    [{ mode: 'soft', paths: ['/b'], models: ['note'] }, false],
    [{ mode: 'hard', paths: ['/c'] }, false]
  ])
  const firstDone = Date.now()
  await eventually(() => calls.length === 7, 6000)
  const rounds = calls.slice(3)
  assert.ok(rounds.every((call) => call.settling))
  assert.deepEqual(rounds.map((call) => call.invalidation.mode), ['soft', 'hard', 'soft', 'hard'])
  for (const { invalidation } of rounds.filter((call) => call.invalidation.mode === 'soft')) {
    assert.deepEqual([invalidation.paths.sort(), invalidation.models], [['/a', '/b'], ['note']])
    assert.ok(invalidation.unchangedSince >= started + 1000 && invalidation.unchangedSince <= firstDone + 1000, String(invalidation.unchangedSince))
  }
  for (const { invalidation } of rounds.filter((call) => call.invalidation.mode === 'hard')) {
    assert.deepEqual(invalidation, { mode: 'hard', paths: ['/c'] })
  }
  assert.ok(rounds[0].at - started >= 1000 && rounds[2].at - started >= 2000, 'a second after the first, then two')
  await sleep(200)
  assert.equal(calls.length, 7, 'no more rounds')
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
