'use strict'

// What AEM's events invalidate (the event types and their `data` as AEM Eventing sends them):
// - a Content Fragment's event: the answers holding its path, and the lists of its model
//   (`data.model.path`) softly: a list does not hold the path of a fragment new to it, and a list
//   that does not select `_path`, or filters or sorts on what changed, holds none at all;
// - `unpublished`, `deleted`: its path hard (a takedown is not served stale);
// - a Content Fragment Model's event: the lists of that model, softly;
// - a page's event: its path, softly.
// Other types invalidate nothing. The invalidations of a batch are merged, one per mode.
//
// An event can come before AEM serves what it tells of (an author's event before publish has the
// change, replication under way), and an answer revalidated in between is fresh again with the old
// content. So the invalidations are run after a settle delay, and then again a few rounds later
// (1 s, 2 s, 4 s … apart): a soft round reaches only the answers whose content (`ETag`, or body)
// has not changed since the first round, so that an answer already renewed is not asked for again;
// a hard one (a takedown) is run again as it is.

const { setTimeout: sleep } = require('node:timers/promises')

/** Rounds after the first, by default, the most, and the wait before the first of them (doubled after each). */
const DEFAULT_SETTLE_RETRIES = 3
const MAX_SETTLE_RETRIES = 8
const FIRST_RETRY_MS = 1000
const MAX_SETTLE_MS = 60000

const KINDS = /^aem\.sites\.(contentFragment|contentFragmentModel|page)\.([A-Za-z]+)$/
const TAKEDOWNS = new Set(['unpublished', 'deleted'])

/**
 * The `cache.invalidate` options for `events`: at most one soft and one hard.
 * @param {Array<{type?: unknown, data?: any}>} events
 * @returns {Array<{paths?: string[], models?: string[], mode: 'soft' | 'hard'}>}
 */
function invalidationsOf (events) {
  const modes = { soft: { paths: new Set(), models: new Set() }, hard: { paths: new Set(), models: new Set() } }
  for (const event of events) {
    const kind = typeof event.type === 'string' ? KINDS.exec(event.type) : null
    if (kind === null) continue
    const [, subject, action] = kind
    const data = event.data !== null && typeof event.data === 'object' ? event.data : {}
    const path = nonEmpty(data.path)
    const model = nonEmpty(data.model && data.model.path)
    const into = modes[TAKEDOWNS.has(action) ? 'hard' : 'soft']
    if (subject === 'contentFragmentModel') {
      if (path || model) modes.soft.models.add(path || model)
      continue
    }
    if (path) into.paths.add(path)
    if (subject === 'contentFragment' && model) modes.soft.models.add(model)
  }
  const invalidations = []
  for (const [mode, { paths, models }] of Object.entries(modes)) {
    if (paths.size === 0 && models.size === 0) continue
    const invalidation = { mode }
    if (paths.size > 0) invalidation.paths = [...paths]
    if (models.size > 0) invalidation.models = [...models]
    invalidations.push(invalidation)
  }
  return invalidations
}

/**
 * The settle options of `options` (`settleMs`, `settleRetries`), checked; `who` names the caller
 * in the error.
 * @returns {{settleMs: number, settleRetries: number}}
 */
function settleOptions (options, who) {
  const { settleMs = 0, settleRetries = DEFAULT_SETTLE_RETRIES } = options
  if (!(Number.isFinite(settleMs) && settleMs >= 0 && settleMs <= MAX_SETTLE_MS)) {
    throw new TypeError(`${who}: settleMs must be a number of milliseconds from 0 to ${MAX_SETTLE_MS}`)
  }
  if (!(Number.isInteger(settleRetries) && settleRetries >= 0 && settleRetries <= MAX_SETTLE_RETRIES)) {
    throw new TypeError(`${who}: settleRetries must be a whole number from 0 to ${MAX_SETTLE_RETRIES}`)
  }
  return { settleMs, settleRetries }
}

/**
 * Runs `invalidations` through `run` after `settleMs`, then `settleRetries` rounds more, as the
 * comment above says. `run(invalidation, round)` (round 0 first) must not reject.
 * @param {Array<{mode: 'soft' | 'hard'}>} invalidations
 * @param {(invalidation: object, round: number) => Promise<unknown>} run
 * @param {{settleMs: number, settleRetries: number}} settle
 * @returns {{first: Promise<void>, done: Promise<void>}} `first` once the first round is done,
 *   `done` once every round is
 */
function settleInvalidations (invalidations, run, { settleMs, settleRetries }) {
  if (invalidations.length === 0) return { first: Promise.resolve(), done: Promise.resolve() }
  let firstAt
  const first = (async () => {
    if (settleMs > 0) await sleep(settleMs, undefined, { ref: false })
    firstAt = Date.now()
    for (const invalidation of invalidations) await run(invalidation, 0)
  })()
  const done = (async () => {
    await first
    for (let round = 1, wait = FIRST_RETRY_MS; round <= settleRetries; round += 1, wait *= 2) {
      await sleep(wait, undefined, { ref: false })
      for (const invalidation of invalidations) {
        await run(invalidation.mode === 'soft' ? { ...invalidation, unchangedSince: firstAt } : invalidation, round)
      }
    }
  })()
  // Whoever does not wait for them is not told of a failure (there is none to tell: `run` does
  // not reject).
  first.catch(() => {})
  done.catch(() => {})
  return { first, done }
}

function nonEmpty (value) {
  return typeof value === 'string' && value !== '' ? value : undefined
}

module.exports = { invalidationsOf, settleOptions, settleInvalidations }
