'use strict'

/**
 * Builds the GraphQL queries of `runPaginatedQuery`, with the same text as Adobe's builder
 * (`@adobe/aem-headless-client-js`), so that AEM sees the same queries. Unlike Adobe's, it never
 * changes the `args` object it is given.
 */

/** The query types: a model's `…ByPath`, `…List` and `…Paginated` queries. */
const QueryTypes = Object.freeze({ BY_PATH: 'ByPath', LIST: 'List', PAGINATED: 'Paginated' })

/** GraphQL arguments from an object: its JSON without the braces and without quotes on keys. */
function objToStringArgs (obj) {
  const str = JSON.stringify(obj).replace(/"([^"]+)":/g, '$1:')
  return str.substring(1, str.length - 1)
}

/**
 * The arguments a query is built with: `args` completed from `config` as Adobe's builder does
 * (`limit` from `pageSize` for `useLimitOffset`, else `first` from `pageSize`; `after` as the
 * offset or the cursor), and the query type.
 * @param {{pageSize?: number, after?: string | number, useLimitOffset?: boolean}} config
 * @param {Record<string, unknown>} args
 */
function resolveArgs (config = {}, args = {}) {
  const resolved = { ...args }
  if (resolved._path) return { type: QueryTypes.BY_PATH, args: resolved }
  if (config.useLimitOffset) {
    resolved.limit = resolved.limit || config.pageSize || 10
    if (config.after) resolved.offset = resolved.offset || config.after
    return { type: QueryTypes.LIST, args: resolved }
  }
  if (config.pageSize) resolved.first = resolved.first || config.pageSize
  if (config.after) resolved.after = resolved.after || config.after
  return { type: QueryTypes.PAGINATED, args: resolved }
}

/** The query text for `model` of `type` with already resolved `args`. */
function queryText (model, fields, type, args) {
  if (type === QueryTypes.BY_PATH) {
    return `{
    ${model}${type}(
      ${objToStringArgs(args)}
    ) {
      item ${fields}
    }
  }`
  }
  if (type === QueryTypes.LIST) {
    return `{
    ${model}${type}(
      ${objToStringArgs(args)}
    ) {
      items ${fields}
    }
  }`
  }
  return `{
    ${model}${type}(
      ${objToStringArgs(args)}
    ) {
      pageInfo {
        startCursor
        endCursor
        hasNextPage
        hasPreviousPage
      }
      edges {
        node ${fields}
        cursor
      }
    }
  }`
}

/**
 * `{query, type}` for a model: `…ByPath` when `args._path` is set, `…List` with
 * `config.useLimitOffset`, else the cursor-based `…Paginated`.
 * @param {string} model e.g. `adventure`
 * @param {string} fields the selection, e.g. `{ title slug }`
 * @param {object} [config]
 * @param {object} [args]
 */
function buildQuery (model, fields, config = {}, args = {}) {
  const { type, args: resolved } = resolveArgs(config || {}, args || {})
  return { query: queryText(model, fields, type, resolved), type }
}

module.exports = { QueryTypes, resolveArgs, queryText, buildQuery }
