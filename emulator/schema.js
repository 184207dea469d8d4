'use strict'

/**
 * A small AEM-like GraphQL schema over the adventures, for ad-hoc queries.
 * @module emulator/schema
 */

const { buildSchema, graphql } = require('graphql')
const { listAdventures } = require('./content')

const schema = buildSchema(`
  enum StringOperator { EQUALS EQUALS_NOT CONTAINS CONTAINS_NOT STARTS_WITH }
  input StringFilterExpression { value: String, _operator: StringOperator = EQUALS, _ignoreCase: Boolean = false }
  input StringFilter { _expressions: [StringFilterExpression!]! }
  input AdventureModelFilter {
    title: StringFilter, slug: StringFilter, activity: StringFilter,
    adventureType: StringFilter, difficulty: StringFilter, tripLength: StringFilter
  }
  type ImageRef { _path: String, _dynamicUrl: String, mimeType: String, width: Int, height: Int }
  type MultiFormatString { html: String, plaintext: String }
  type AdventureModel {
    _path: ID!, title: String, slug: String, activity: String, adventureType: String, price: Float,
    tripLength: String, groupSize: Int, difficulty: String, primaryImage: ImageRef,
    description: MultiFormatString, itinerary: MultiFormatString
  }
  type AdventureModelResults { items: [AdventureModel!]! }
  type AdventureModelResult { item: AdventureModel }
  type Query {
    adventureList(filter: AdventureModelFilter, limit: Int, offset: Int): AdventureModelResults
    adventureByPath(_path: String!): AdventureModelResult
  }
`)

const OPERATORS = {
  EQUALS: (a, b) => a === b,
  EQUALS_NOT: (a, b) => a !== b,
  CONTAINS: (a, b) => a.includes(b),
  CONTAINS_NOT: (a, b) => !a.includes(b),
  STARTS_WITH: (a, b) => a.startsWith(b)
}

/** True when `value` satisfies every expression of a StringFilter. */
function matches (value, { _expressions: expressions }) {
  return expressions.every(({ value: wanted = '', _operator: op, _ignoreCase: ignoreCase }) => {
    const fold = (s) => (ignoreCase ? String(s).toLowerCase() : String(s))
    return OPERATORS[op](fold(value), fold(wanted ?? ''))
  })
}

const rootValue = {
  adventureList ({ filter = {}, limit, offset = 0 }) {
    const items = listAdventures().filter((a) =>
      Object.entries(filter || {}).every(([field, f]) => !f || matches(a[field], f)))
    return { items: items.slice(Math.max(offset, 0), limit == null ? undefined : Math.max(offset, 0) + limit) }
  },
  adventureByPath ({ _path: path }) {
    return { item: listAdventures().find((a) => a._path === path) || null }
  }
}

/**
 * Executes an ad-hoc GraphQL query against the adventures.
 * @param {string} query
 * @param {object} [variables]
 * @param {string} [operationName]
 * @returns {Promise<import('graphql').ExecutionResult>} `{data?, errors?}` as graphql-js produces
 */
function executeQuery (query, variables, operationName) {
  return graphql({ schema, source: query, rootValue, variableValues: variables, operationName })
}

module.exports = { executeQuery, schema }
