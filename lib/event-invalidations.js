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
// content. So the invalidations are run after a settle delay, and then again in settle rounds
// (about 1 s, 2 s, 4 s … after the first):
// - by path, a soft round reaches only the answers whose content (`ETag`, or body) has not changed
//   since the first round, as far as each process's cache has seen (an answer renewed is not asked
//   for again; one fetched with nothing to compare it with is), with a second of margin for the
//   clocks of other processes;
// - by model (lists), a soft round reaches every list of the model: a list renewed while a
//   publication of several fragments was half replicated has changed, and is still not current;
// - a hard one (a takedown) is run again as it is.
// Rounds fall due on whole seconds, and those of one handler or follower due on the same second are
// merged into one invalidation per kind, so that a publication of many fragments costs a few
// rounds a second at most, not a few per fragment.

const { setMaxListeners } = require('node:events')
const { setTimeout: sleep } = require('node:timers/promises')

/** Rounds after the first, by default, the most, and the wait before the first of them (doubled after each). */
const DEFAULT_SETTLE_RETRIES = 3
const MAX_SETTLE_RETRIES = 8
const FIRST_RETRY_MS = 1000
const MAX_SETTLE_MS = 60000
/** Rounds fall due on multiples of this (and merge there); and the margin given to other clocks. */
const MERGE_MS = 1000
const CLOCK_MARGIN_MS = 1000

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
 * The settle delay and rounds of one handler or follower. `run(invalidation, settling)` (false for
 * the first round) must not reject.
 * @param {(invalidation: object, settling: boolean) => Promise<unknown>} run
 * @param {{settleMs: number, settleRetries: number}} settle
 * @returns {{settle(invalidations: object[]): Promise<void>, close(): void}} `settle` resolves
 *   once the first round is done (the others are scheduled); `close` ends the settle delays under
 *   way (their first rounds run at once, so that nothing taken is lost) and drops the rounds to come
 */
function createSettler (run, { settleMs, settleRetries }) {
  /** Rounds to come, by when they are due: `{at, timer, soft, hard}`, each mode's paths and models merged. */
  const due = []
  let closed = false
  /** Ends the settle delays under way at `close`: their first rounds run at once. */
  const closing = new AbortController()
  // One listener per delivery in its settle delay.
  setMaxListeners(0, closing.signal)

  function schedule (invalidations, firstAt) {
    for (let round = 1, after = FIRST_RETRY_MS; round <= settleRetries; round += 1, after *= 2) {
      const at = Math.ceil((firstAt + after) / MERGE_MS) * MERGE_MS
      let batch = due.find((other) => other.at === at)
      if (batch === undefined) {
        batch = { at, soft: null, hard: null }
        batch.timer = setTimeout(() => fire(batch).catch(() => {}), Math.max(0, at - Date.now()))
        batch.timer.unref()
        due.push(batch)
      }
      for (const invalidation of invalidations) {
        const merged = batch[invalidation.mode] ??= { paths: new Set(), models: new Set(), since: 0 }
        for (const path of invalidation.paths || []) merged.paths.add(path)
        for (const model of invalidation.models || []) merged.models.add(model)
        merged.since = Math.max(merged.since, firstAt + CLOCK_MARGIN_MS)
      }
    }
  }

  async function fire (batch) {
    const at = due.indexOf(batch)
    if (at < 0) return
    due.splice(at, 1)
    const { soft, hard } = batch
    if (soft !== null && soft.paths.size > 0) await run({ mode: 'soft', paths: [...soft.paths], unchangedSince: soft.since }, true)
    if (soft !== null && soft.models.size > 0) await run({ mode: 'soft', models: [...soft.models] }, true)
    if (hard !== null) {
      const invalidation = { mode: 'hard' }
      if (hard.paths.size > 0) invalidation.paths = [...hard.paths]
      if (hard.models.size > 0) invalidation.models = [...hard.models]
      await run(invalidation, true)
    }
  }

  return {
    async settle (invalidations) {
      if (invalidations.length === 0) return
      if (settleMs > 0 && !closed) await sleep(settleMs, undefined, { ref: false, signal: closing.signal }).catch(() => {})
      const firstAt = Date.now()
      for (const invalidation of invalidations) await run(invalidation, false)
      if (!closed) schedule(invalidations, firstAt)
    },
    close () {
      closed = true
      closing.abort()
      for (const batch of due) clearTimeout(batch.timer)
      due.length = 0
    }
  }
}

function nonEmpty (value) {
  return typeof value === 'string' && value !== '' ? value : undefined
}

module.exports = { invalidationsOf, settleOptions, createSettler }
