'use strict'

/**
 * RFC 6902 JSON Patch: applies the `add`, `remove`, `replace` and `test` operations (not `move` or
 * `copy`), addressed by RFC 6901 JSON Pointers, to a document in place. An operation that cannot be
 * applied throws a `PatchError` with the status to answer (400, or 409 for a failed `test`). Used by
 * `PATCH /adobe/sites/cf/fragments/{id}` (emulator/sites.js).
 * @module emulator/json-patch
 */

/** A JSON Patch that cannot be applied, with the status to answer. */
class PatchError extends Error {
  constructor (status, message) {
    super(message)
    this.status = status
  }
}

/** Splits a JSON Pointer (RFC 6901) into its unescaped tokens. */
function pointerTokens (pointer) {
  if (typeof pointer !== 'string' || !pointer.startsWith('/')) throw new PatchError(400, `Invalid JSON Pointer: ${JSON.stringify(pointer)}`)
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
}

/** The container that holds the last token of `tokens`, which must exist. */
function parentOf (doc, tokens, pointer) {
  let node = doc
  for (const token of tokens.slice(0, -1)) {
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, token)) {
      throw new PatchError(400, `No such path: ${pointer}`)
    }
    node = node[token]
  }
  if (node === null || typeof node !== 'object') throw new PatchError(400, `No such path: ${pointer}`)
  return node
}

/** The array index a token names, `-` (the end) allowed when `append`. */
function arrayIndex (array, token, append, pointer) {
  if (append && token === '-') return array.length
  const max = append ? array.length : array.length - 1
  if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) > max) throw new PatchError(400, `No such path: ${pointer}`)
  return Number(token)
}

/**
 * Applies one JSON Patch operation (add, remove, replace, test) to `doc`, in place.
 * @param {object} doc
 * @param {{op: string, path: string, value?: unknown}} operation
 * @param {Set<string>} [writable] the top-level properties an operation may change (any when omitted)
 */
function applyOperation (doc, operation, writable) {
  const { op, path } = operation
  if (!['add', 'remove', 'replace', 'test'].includes(op)) throw new PatchError(400, `Unsupported operation: ${JSON.stringify(op)} (add, remove, replace, test)`)
  const tokens = pointerTokens(path)
  if (writable && !writable.has(tokens[0])) throw new PatchError(400, `Read-only or unknown property: ${path}`)
  if (op !== 'remove' && !('value' in operation)) throw new PatchError(400, `The '${op}' operation at ${path} has no 'value'`)
  const parent = parentOf(doc, tokens, path)
  const last = tokens[tokens.length - 1]
  const isArray = Array.isArray(parent)
  const exists = isArray ? /^\d+$/.test(last) && Number(last) < parent.length : Object.prototype.hasOwnProperty.call(parent, last)
  if (op === 'add') {
    if (isArray) parent.splice(arrayIndex(parent, last, true, path), 0, operation.value)
    else parent[last] = operation.value
    return
  }
  if (!exists) throw new PatchError(400, `No such path: ${path}`)
  if (op === 'test') {
    const actual = parent[isArray ? Number(last) : last]
    if (JSON.stringify(actual) !== JSON.stringify(operation.value)) throw new PatchError(409, `Test failed at ${path}`)
  } else if (op === 'remove') {
    if (isArray) parent.splice(Number(last), 1)
    else delete parent[last]
  } else {
    parent[isArray ? Number(last) : last] = operation.value
  }
}

module.exports = { applyOperation, PatchError }
