'use strict'

// What AEM's events invalidate (the event types and their `data` as AEM Eventing sends them):
// - a Content Fragment's event: the answers holding its path, and the lists of its model
//   (`data.model.path`) softly: a list does not hold the path of a fragment new to it, and a list
//   that does not select `_path`, or filters or sorts on what changed, holds none at all;
// - `unpublished`, `deleted`: its path hard (a takedown is not served stale);
// - a Content Fragment Model's event: the lists of that model, softly;
// - a page's event: its path, softly.
// Other types invalidate nothing. The invalidations of a batch are merged, one per mode.

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

function nonEmpty (value) {
  return typeof value === 'string' && value !== '' ? value : undefined
}

module.exports = { invalidationsOf }
