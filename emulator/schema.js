'use strict'

/**
 * A small AEM-like GraphQL schema over the adventures and the magazine articles, used by the ad-hoc
 * endpoint and by queries persisted through `persist.json`.
 *
 * Per model (`adventure`, `article`), as AEM generates them:
 * `{model}List(filter, limit, offset, sort)` → `{items}`,
 * `{model}Paginated(first, after, sort, filter)` → `{edges {node cursor}, pageInfo {…}}` and
 * `{model}ByPath(_path)` → `{item}`. `sort` is accepted and ignored. Cursors are
 * `base64("cursor:" + index)` of the item in the filtered list.
 * @module emulator/schema
 */

const { buildSchema, graphql, parse, print, validate, Kind, GraphQLError } = require('graphql')
const { listAdventures } = require('./content')
const { listArticles } = require('./articles')

const OPERATOR_NAMES = ['EQUALS', 'EQUALS_NOT', 'CONTAINS', 'CONTAINS_NOT', 'STARTS_WITH']

const schema = buildSchema(`
  "One of ${OPERATOR_NAMES.join(', ')}; written as an enum value or as a string (Adobe's query builder quotes it)."
  scalar StringOperator
  input StringFilterExpression { value: String, _operator: StringOperator = EQUALS, _ignoreCase: Boolean = false }
  input StringFilter { _expressions: [StringFilterExpression!]! }
  input AdventureModelFilter {
    title: StringFilter, slug: StringFilter, activity: StringFilter,
    adventureType: StringFilter, difficulty: StringFilter, tripLength: StringFilter
  }
  input ArticleModelFilter {
    _path: StringFilter, title: StringFilter, slug: StringFilter, author: StringFilter, publishDate: StringFilter
  }
  "Only width is applied (to primaryImage._dynamicUrl)."
  input AssetTransform { width: Int, height: Int, quality: Int, format: String, preferWebp: Boolean }
  type ImageRef { _path: String, _dynamicUrl: String, mimeType: String, width: Int, height: Int }
  type MultiFormatString { html: String, plaintext: String }
  type PageInfo { startCursor: String, endCursor: String, hasNextPage: Boolean!, hasPreviousPage: Boolean! }

  type AdventureModel {
    _path: ID!, title: String, slug: String, activity: String, adventureType: String, price: Float,
    tripLength: String, groupSize: Int, difficulty: String, primaryImage: ImageRef,
    description: MultiFormatString, itinerary: MultiFormatString
  }
  type AdventureModelResults { items: [AdventureModel!]! }
  type AdventureModelResult { item: AdventureModel }
  type AdventureModelEdge { node: AdventureModel!, cursor: String! }
  type AdventureModelPaginated { edges: [AdventureModelEdge!]!, pageInfo: PageInfo! }

  type ArticleModel {
    _path: ID!, title: String, slug: String, author: String, main: MultiFormatString, publishDate: String
  }
  type ArticleModelResults { items: [ArticleModel!]! }
  type ArticleModelResult { item: ArticleModel }
  type ArticleModelEdge { node: ArticleModel!, cursor: String! }
  type ArticleModelPaginated { edges: [ArticleModelEdge!]!, pageInfo: PageInfo! }

  type Query {
    adventureList(filter: AdventureModelFilter, limit: Int, offset: Int, sort: String, _assetTransform: AssetTransform): AdventureModelResults
    adventurePaginated(first: Int, after: String, sort: String, filter: AdventureModelFilter, _assetTransform: AssetTransform): AdventureModelPaginated
    adventureByPath(_path: String!, _assetTransform: AssetTransform): AdventureModelResult
    articleList(filter: ArticleModelFilter, limit: Int, offset: Int, sort: String): ArticleModelResults
    articlePaginated(first: Int, after: String, sort: String, filter: ArticleModelFilter): ArticleModelPaginated
    articleByPath(_path: String!): ArticleModelResult
  }
`)

/** `_operator` takes an enum literal (`EQUALS`) as well as a string (`"EQUALS"`). */
Object.assign(schema.getType('StringOperator'), {
  serialize: (value) => value,
  parseValue (value) {
    if (OPERATOR_NAMES.includes(value)) return value
    throw new GraphQLError(`StringOperator must be one of ${OPERATOR_NAMES.join(', ')}, was ${JSON.stringify(value)}`)
  },
  parseLiteral (ast) {
    if ((ast.kind === Kind.ENUM || ast.kind === Kind.STRING) && OPERATOR_NAMES.includes(ast.value)) return ast.value
    throw new GraphQLError(`StringOperator must be one of ${OPERATOR_NAMES.join(', ')}, found ${print(ast)}`, { nodes: ast })
  }
})

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

/** The items that satisfy every field filter of a `{Model}Filter`. */
function applyFilter (items, filter) {
  return items.filter((item) => Object.entries(filter || {}).every(([field, f]) => !f || matches(item[field], f)))
}

/** `{model}List`: offset and limit over the filtered items. */
function listPage (items, { limit, offset = 0 }) {
  const start = Math.max(offset ?? 0, 0)
  return { items: items.slice(start, limit == null ? undefined : start + limit) }
}

/** @param {number} index @returns {string} the opaque cursor of the item at `index` */
function encodeCursor (index) {
  return Buffer.from(`cursor:${index}`, 'utf8').toString('base64')
}

/** @param {string} cursor @returns {number|null} the index a cursor stands for, null when not a cursor */
function decodeCursor (cursor) {
  const match = /^cursor:(0|[1-9]\d{0,8})$/.exec(Buffer.from(cursor, 'base64').toString('utf8'))
  if (!match || encodeCursor(Number(match[1])) !== cursor) return null
  return Number(match[1])
}

/** `{model}Paginated`: `first` items after the cursor `after` (all remaining when `first` is not given). */
function cursorPage (items, { first, after }) {
  let start = 0
  if (after != null) {
    const index = decodeCursor(after)
    if (index === null) throw new GraphQLError(`Invalid cursor: ${JSON.stringify(after)}`)
    start = index + 1
  }
  if (first != null && first < 0) throw new GraphQLError(`Argument 'first' must not be negative, was ${first}`)
  const end = first == null ? items.length : Math.min(items.length, start + first)
  const edges = items.slice(start, end).map((node, i) => ({ node, cursor: encodeCursor(start + i) }))
  return {
    edges,
    pageInfo: {
      startCursor: edges.length ? edges[0].cursor : null,
      endCursor: edges.length ? edges[edges.length - 1].cursor : null,
      hasNextPage: end < items.length,
      hasPreviousPage: start > 0
    }
  }
}

/** @returns {object[]} the adventures, with `_assetTransform.width` applied to the image URLs */
function adventures (assetTransform) {
  const width = assetTransform && assetTransform.width
  return listAdventures({ imageWidth: width == null ? undefined : width })
}

const rootValue = {
  adventureList: (args) => listPage(applyFilter(adventures(args._assetTransform), args.filter), args),
  adventurePaginated: (args) => cursorPage(applyFilter(adventures(args._assetTransform), args.filter), args),
  adventureByPath: (args) => ({ item: adventures(args._assetTransform).find((a) => a._path === args._path) || null }),
  articleList: (args) => listPage(applyFilter(listArticles(), args.filter), args),
  articlePaginated: (args) => cursorPage(applyFilter(listArticles(), args.filter), args),
  articleByPath: (args) => ({ item: listArticles().find((a) => a._path === args._path) || null })
}

/**
 * Removes empty argument lists such as `articlePaginated(\n  \n)`, which Adobe's query builder emits
 * when there are no arguments; AEM accepts them, graphql-js does not. Strings and comments are kept.
 * @param {string} query
 * @returns {string}
 */
function tolerateEmptyArguments (query) {
  return query.replace(/("""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|#[^\n\r]*)|([_A-Za-z0-9])\([\s,]*\)/g,
    (match, kept, last) => (kept !== undefined ? kept : last))
}

/**
 * Parses and validates a query against the schema (after `tolerateEmptyArguments`).
 * @param {string} query
 * @returns {{document?: import('graphql').DocumentNode, errors: readonly GraphQLError[]}} `errors` empty when valid
 */
function checkQuery (query) {
  let document
  try {
    document = parse(tolerateEmptyArguments(query))
  } catch (error) {
    return { errors: [error] }
  }
  return { document, errors: validate(schema, document) }
}

/**
 * Executes a GraphQL query against the adventures and articles (after `tolerateEmptyArguments`).
 * @param {string} query
 * @param {object} [variables]
 * @param {string} [operationName]
 * @returns {Promise<import('graphql').ExecutionResult>} `{data?, errors?}` as graphql-js produces
 */
function executeQuery (query, variables, operationName) {
  return graphql({ schema, source: tolerateEmptyArguments(query), rootValue, variableValues: variables, operationName })
}

module.exports = { executeQuery, checkQuery, tolerateEmptyArguments, encodeCursor, decodeCursor, schema }
