'use strict'

/**
 * Content changes as AEM makes them, with the events they raise. An author creates or modifies
 * fragments (`modify`, or the Sites API's `PATCH` / `PUT /adobe/sites/cf/fragments/{id}` with
 * `If-Match`, whose `elements` are the fragment's fields: `sitesFragments`): drafts, which
 * persisted queries do not answer yet, and a `created` or `modified` event. Publishing them (Adobe's `POST /adobe/sites/cf/fragments/publish` with
 * `{paths}`) replicates them to what persisted queries answer `replicationMs` later, while the
 * `published` event goes out at once, as it does while replication is under way; the same route
 * with a deactivation workflow (`workflowModelId` `/var/workflow/models/scheduled_deactivation`)
 * unpublishes them (`unpublished`). The route answers `{workflowInstanceId, items: [{path,
 * status}]}`, each status `SUCCESS_TRIGGERED` or `ERROR_NOT_FOUND`. Every event goes to the
 * journal and to the webhooks subscribed (emulator/events.js). Only fragments of the app's own
 * models (`load`, `addFragments`) change this way.
 * @module emulator/publishing
 */

const { randomUUID } = require('node:crypto')
const { uuidFor, etagOf } = require('./sites')

const DEACTIVATION = /deactivat/i
const MAX_BODY_BYTES = 1024 * 1024
/** The longest replication delay a timer can wait. */
const MAX_DELAY_MS = 2 ** 31 - 1
/** Where the emulator's models are, as AEM names a model in its events (`data.model.path`). */
const MODELS_PATH = '/conf/emulator/settings/dam/cfm/models/'

/**
 * @param {{events: {event(type: string, data: object): object, emit(events: object[]): void},
 *   content: () => {fragmentAt(path: string): {model: string, item: object} | null,
 *     addFragments(model: string, items: object[]): void, removeFragment(path: string): boolean}}} ctx
 *   `content` gives the AEM side's current content (a reset replaces it)
 */
function createPublishing ({ events, content }) {
  /** Drafts by path: `{model, item}`. */
  const drafts = new Map()
  /** Replications under way, to wait for (`idle`) or drop (`reset`). */
  const pending = new Set()
  let replicationMs = 0
  /** Replications held back (`holdReplication`) until `releaseReplication`. */
  let held = null

  const eventOf = (action, path, model) => events.event(`aem.sites.contentFragment.${action}`, {
    path,
    model: { id: model, path: MODELS_PATH + model }
  })

  /** Runs a replication's change; one that cannot be made (its model replaced meanwhile) is dropped, and the emulator goes on. */
  function applied (change) {
    try {
      change()
    } catch {}
  }

  /** Runs `change` on the content `replicationMs` from now (at once with 0), or at `releaseReplication` while held. */
  function replicate (change) {
    if (held !== null) return held.push(change)
    if (replicationMs === 0) return applied(change)
    const entry = {}
    entry.done = new Promise((resolve) => {
      entry.finish = resolve
      entry.timer = setTimeout(() => {
        pending.delete(entry)
        applied(change)
        resolve()
      }, replicationMs)
      entry.timer.unref()
    })
    pending.add(entry)
  }

  /**
   * The body of a `POST /adobe/sites/cf/fragments/publish` (`{paths, workflowModelId?}`), which
   * the Sites API's handler routes here once its token, `X-Api-Key` and faults are checked.
   * @param {string} body
   * @returns {{answer: {workflowInstanceId: string, items: Array<{path: string, status: string}>}} | {refused: string}}
   */
  function publish (body) {
    let request
    try {
      request = JSON.parse(body)
    } catch {}
    const paths = request && Array.isArray(request.paths) ? request.paths : null
    if (body.length > MAX_BODY_BYTES || paths === null || paths.length === 0 || !paths.every((path) => typeof path === 'string' && path !== '')) {
      return { refused: 'The body must be {"paths": ["/content/dam/…", …]}' }
    }
    const deactivate = typeof request.workflowModelId === 'string' && DEACTIVATION.test(request.workflowModelId)
    const current = content()
    const items = []
    const raised = []
    for (const path of paths) {
      const draft = drafts.get(path)
      const served = current.fragmentAt(path)
      const model = (draft && draft.model) || (served && served.model)
      if (!model || (deactivate && served === null)) {
        items.push({ path, status: 'ERROR_NOT_FOUND' })
        continue
      }
      items.push({ path, status: 'SUCCESS_TRIGGERED' })
      if (deactivate) {
        replicate(() => current.removeFragment(path))
        raised.push(eventOf('unpublished', path, model))
      } else {
        drafts.delete(path)
        if (draft) replicate(() => current.addFragments(draft.model, [draft.item]))
        raised.push(eventOf('published', path, model))
      }
    }
    if (raised.length > 0) events.emit(raised)
    return { answer: { workflowInstanceId: randomUUID(), items } }
  }

  /** An author's edit: drafts of `items` of `model` (see `modify` below). */
  function modify (model, items) {
    if (!Array.isArray(items) || !items.every((item) => item && typeof item === 'object' && typeof item._path === 'string')) {
      throw new TypeError('modify(model, items): items are fragments, each with its _path')
    }
    const current = content()
    current.addFragments(model, []) // throws for a model the app has not loaded
    const raised = []
    for (const item of items) {
      const served = current.fragmentAt(item._path)
      if (served !== null && served.model !== model) throw new TypeError(`modify: ${item._path} is a fragment of ${served.model}, not of ${model}`)
      const created = served === null && !drafts.has(item._path)
      drafts.set(item._path, { model, item: { ...item } })
      raised.push(eventOf(created ? 'created' : 'modified', item._path, model))
    }
    events.emit(raised)
  }

  /** The app's fragments as the Sites API shows them: `{fragment, etag}` of each, its draft if it has one. */
  function sitesEntries () {
    const byPath = new Map(content().fragments().map(({ model, item }) => [item._path, { model, item, draft: false }]))
    for (const [path, { model, item }] of drafts) byPath.set(path, { model, item, draft: true })
    return [...byPath.values()].map(({ model, item, draft }) => {
      const { _path: path, ...elements } = item
      const fragment = {
        id: uuidFor(path),
        path,
        title: typeof elements.title === 'string' ? elements.title : path.split('/').pop(),
        description: '',
        model: { path: MODELS_PATH + model, title: model },
        metadata: {},
        status: draft ? 'MODIFIED' : 'PUBLISHED',
        elements,
        references: {},
        variations: {}
      }
      return { fragment, etag: etagOf({ fragment, revision: 0 }), model }
    })
  }

  /** The Sites API's view of the app's fragments (emulator/sites.js): an update is an author's edit of its `elements`. */
  const sitesFragments = {
    list: () => sitesEntries().map((entry) => entry.fragment),
    get: (id) => sitesEntries().find((entry) => entry.fragment.id === id),
    update (entry, next) {
      const { fragment } = entry
      if (next.title !== fragment.title || (next.description ?? '') !== fragment.description || JSON.stringify(next.variations ?? {}) !== '{}') {
        return "A fragment of the app's content changes by its elements only (its title is its elements' title)"
      }
      modify(entry.model, [{ ...next.elements, _path: fragment.path }])
      const updated = sitesFragments.get(entry.fragment.id)
      entry.fragment = updated.fragment
      entry.etag = updated.etag
    },
    publish
  }

  return {
    sitesFragments,

    /**
     * An author's edit: drafts of fragments of `model` (by `_path`: a path that is neither served
     * nor drafted is a new fragment), with a `created` or `modified` event each.
     * @param {string} model
     * @param {object[]} items
     */
    modify,

    /** How long a publication takes to reach what persisted queries answer, in milliseconds. */
    setReplicationDelay (ms) {
      if (!(Number.isFinite(ms) && ms >= 0 && ms <= MAX_DELAY_MS)) throw new RangeError(`setReplicationDelay(ms): a number of milliseconds from 0 to ${MAX_DELAY_MS}`)
      replicationMs = ms
    },

    /** Holds publications back from what persisted queries answer until `releaseReplication` (their events go out at once). */
    holdReplication () {
      held ??= []
    },

    /** Lets the publications held back reach what persisted queries answer, in order, and stops holding them. */
    releaseReplication () {
      const changes = held ?? []
      held = null
      for (const change of changes) applied(change)
    },

    /** The paths drafted and not published. */
    drafts: () => [...drafts.keys()],

    /** Resolves once every replication under way is done. */
    idle: () => Promise.all([...pending].map((entry) => entry.done)).then(() => {}),

    /** Drops the drafts and the replications under way (the emulator's `reset`). */
    reset () {
      drafts.clear()
      for (const entry of pending) {
        clearTimeout(entry.timer)
        entry.finish()
      }
      pending.clear()
      replicationMs = 0
      held = null
    }
  }
}

module.exports = { createPublishing }
