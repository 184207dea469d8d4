'use strict'

/**
 * The content AEM's GraphQL serves, one set per emulator: Content Fragment Models and their
 * fragments, and the schema AEM generates for them. Built in: `adventure` (the 16 adventures) and
 * `article` (the 57 magazine articles); an app adds its own models and fragments (`addModels`,
 * `addFragments`), or replaces the built-in ones by name.
 *
 * Per model `{name}` with type `{Name}Model`, as AEM generates them:
 * `{name}List(filter, limit, offset, sort, _assetTransform)` → `{items}`,
 * `{name}Paginated(first, after, sort, filter, _assetTransform)` → `{edges {node cursor}, pageInfo {…}}` and
 * `{name}ByPath(_path, _assetTransform)` → `{item}`. `sort` is accepted and ignored. Cursors are
 * `base64("cursor:" + index)` of the item in the filtered list. A field whose type is another model
 * (a fragment reference) takes that fragment's `_path` in the data, or the fragment itself.
 * @module emulator/schema
 */

const {
  buildSchema, graphql, parse, print, validate, getNamedType, defaultFieldResolver, Kind, GraphQLError
} = require('graphql')
const { listAdventures } = require('./content')
const { listArticles } = require('./articles')

const OPERATOR_NAMES = ['EQUALS', 'EQUALS_NOT', 'CONTAINS', 'CONTAINS_NOT', 'STARTS_WITH']

/** The types every schema has: AEM's filters, references and scalars. */
const COMMON_SDL = `
  "One of ${OPERATOR_NAMES.join(', ')}; written as an enum value or as a string (Adobe's query builder quotes it)."
  scalar StringOperator
  "AEM's date and time type: the value as given."
  scalar Calendar
  "AEM's JSON object type: the value as given."
  scalar JSON
  input StringFilterExpression { value: String, _operator: StringOperator = EQUALS, _ignoreCase: Boolean = false }
  input StringFilter { _expressions: [StringFilterExpression!]! }
  "Only width is applied (to primaryImage._dynamicUrl of the built-in adventures)."
  input AssetTransform { width: Int, height: Int, quality: Int, format: String, preferWebp: Boolean }
  type ImageRef { _path: String, _authorUrl: String, _publishUrl: String, _dynamicUrl: String, mimeType: String, width: Int, height: Int }
  type MultiFormatString { html: String, plaintext: String, markdown: String, json: JSON }
  type PageInfo { startCursor: String, endCursor: String, hasNextPage: Boolean!, hasPreviousPage: Boolean! }
`

/** Field types a `{Name}ModelFilter` filters on, with a StringFilter. */
const FILTERABLE = /^(String|ID|Calendar)!?$/
const MODEL_NAME = /^[A-Za-z][_0-9A-Za-z]*$/
const FIELD_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/
const TYPE_REF = /^(\[[_A-Za-z][_0-9A-Za-z]*!?\]|[_A-Za-z][_0-9A-Za-z]*)!?$/

/** The built-in models: their fields (GraphQL types) and their fixed items. */
const BUILT_IN_MODELS = {
  adventure: {
    fields: {
      title: 'String',
      slug: 'String',
      activity: 'String',
      adventureType: 'String',
      price: 'Float',
      tripLength: 'String',
      groupSize: 'Int',
      difficulty: 'String',
      primaryImage: 'ImageRef',
      description: 'MultiFormatString',
      itinerary: 'MultiFormatString'
    },
    items: ({ _assetTransform: transform }) => {
      const width = transform && transform.width
      return listAdventures({ imageWidth: width == null ? undefined : width })
    }
  },
  article: {
    fields: { title: 'String', slug: 'String', author: 'String', main: 'MultiFormatString', publishDate: 'String' },
    items: () => listArticles()
  }
}

/** @param {string} name a model name @returns {string} its GraphQL type: `article` → `ArticleModel` */
function typeNameOf (name) {
  return name[0].toUpperCase() + name.slice(1) + 'Model'
}

/** The SDL of one model: its type, result types, filter, and its three query fields. */
function modelSdl ({ name, typeName: t, fields }) {
  const own = Object.entries(fields).filter(([field]) => field !== '_path')
  const filterable = ['_path', ...own.filter(([, type]) => FILTERABLE.test(type)).map(([field]) => field)]
  const types = `
  type ${t} { _path: ID!${own.map(([field, type]) => `, ${field}: ${type}`).join('')} }
  type ${t}Results { items: [${t}!]! }
  type ${t}Result { item: ${t} }
  type ${t}Edge { node: ${t}!, cursor: String! }
  type ${t}Paginated { edges: [${t}Edge!]!, pageInfo: PageInfo! }
  input ${t}Filter { ${filterable.map((field) => `${field}: StringFilter`).join(', ')} }`
  const queries = `
    ${name}List(filter: ${t}Filter, limit: Int, offset: Int, sort: String, _assetTransform: AssetTransform): ${t}Results
    ${name}Paginated(first: Int, after: String, sort: String, filter: ${t}Filter, _assetTransform: AssetTransform): ${t}Paginated
    ${name}ByPath(_path: String!, _assetTransform: AssetTransform): ${t}Result`
  return { types, queries }
}

/** Builds the schema of `models`; `_operator` takes an enum literal (`EQUALS`) as well as a string (`"EQUALS"`). */
function buildContentSchema (models) {
  const parts = [...models.values()].map(modelSdl)
  const schema = buildSchema(`${COMMON_SDL}${parts.map((p) => p.types).join('\n')}
  type Query {${parts.map((p) => p.queries).join('\n')}
  }`)
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
  return schema
}

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

/** @returns {TypeError} `what` with its reason, for the errors of `addModels` and `addFragments` */
function invalid (what, reason) {
  return new TypeError(`${what}: ${reason}`)
}

/**
 * Creates the content of one emulator: the built-in models and their items, to which an app adds
 * its own.
 */
function createContent () {
  /** Every item of a model: the built-in ones (for `args`), then those added. */
  const itemsOf = (model, args = {}) => [...model.builtIn(args), ...model.added]

  /** The models, with their schema, the root fields' resolvers, and the models by type name. */
  function compile (models) {
    const rootValue = {}
    for (const model of models.values()) {
      const pick = (args) => applyFilter(itemsOf(model, args), args.filter)
      rootValue[`${model.name}List`] = (args) => listPage(pick(args), args)
      rootValue[`${model.name}Paginated`] = (args) => cursorPage(pick(args), args)
      rootValue[`${model.name}ByPath`] = (args) => ({ item: itemsOf(model, args).find((item) => item._path === args._path) || null })
    }
    const byType = new Map([...models.values()].map((model) => [model.typeName, model]))
    return { models, schema: buildContentSchema(models), rootValue, byType }
  }

  /** @type {ReturnType<typeof compile>} */
  let current = compile(new Map(Object.entries(BUILT_IN_MODELS).map(([name, { fields, items }]) =>
    [name, { name, typeName: typeNameOf(name), fields, builtIn: items, added: [] }])))

  /** A fragment reference given as a `_path` is the fragment at that path (null when none). */
  function fieldResolver (source, args, context, info) {
    const value = defaultFieldResolver(source, args, context, info)
    const model = current.byType.get(getNamedType(info.returnType).name)
    if (!model || value == null) return value
    const resolve = (ref) => (typeof ref === 'string' ? itemsOf(model).find((item) => item._path === ref) || null : ref)
    return Array.isArray(value) ? value.map(resolve) : resolve(value)
  }

  return {
    /** @returns {import('graphql').GraphQLSchema} the current schema */
    get schema () { return current.schema },

    /**
     * Adds models, or replaces those of the same name (their fragments then start empty), all at
     * once, so that they may refer to each other. Throws a TypeError and changes nothing when a
     * name, a field or a type is invalid.
     * @param {Record<string, Record<string, string>>} specs `{modelName: {fieldName: 'GraphQL type'}}`
     */
    addModels (specs) {
      const next = new Map(current.models)
      for (const [name, fields] of Object.entries(specs || {})) {
        if (!MODEL_NAME.test(name)) throw invalid(`model ${JSON.stringify(name)}`, 'a model name is letters, digits and _, starting with a letter')
        if (!fields || typeof fields !== 'object' || Array.isArray(fields)) throw invalid(`model ${name}`, "its fields are an object {fieldName: 'GraphQL type'}")
        for (const [field, type] of Object.entries(fields)) {
          if (!FIELD_NAME.test(field)) throw invalid(`model ${name}`, `invalid field name ${JSON.stringify(field)}`)
          if (typeof type !== 'string' || !TYPE_REF.test(type.replace(/\s+/g, ''))) {
            throw invalid(`model ${name}`, `field ${field} has no GraphQL type such as 'String', '[String]', 'Int!' or 'OtherModel' (got ${JSON.stringify(type)})`)
          }
        }
        const clean = Object.fromEntries(Object.entries(fields).map(([field, type]) => [field, type.replace(/\s+/g, '')]))
        next.set(name, { name, typeName: typeNameOf(name), fields: clean, builtIn: () => [], added: [] })
      }
      try {
        current = compile(next)
      } catch (error) {
        throw invalid('models', error.message)
      }
    },

    /**
     * Adds fragments to a model, after those it has. An item with the `_path` of one added before
     * replaces it; an item without `_path` gets `/content/dam/{model}/{n}`.
     * @param {string} name the model
     * @param {object[]} items the fragments, as the model's fields (a reference: the other fragment's `_path`)
     */
    addFragments (name, items) {
      const model = current.models.get(name)
      if (!model) throw invalid(`fragments of ${JSON.stringify(name)}`, `no such model (models: ${[...current.models.keys()].join(', ')})`)
      if (!Array.isArray(items) || !items.every((item) => item && typeof item === 'object' && !Array.isArray(item))) {
        throw invalid(`fragments of ${name}`, 'give an array of objects')
      }
      for (const item of items) {
        const fragment = { ...item, _path: item._path ?? `/content/dam/${name}/${model.added.length + 1}` }
        const at = model.added.findIndex((old) => old._path === fragment._path)
        if (at >= 0) model.added[at] = fragment
        else model.added.push(fragment)
      }
    },

    /**
     * The fragment an app added at `path`, with its model's name, or null.
     * @param {string} path
     * @returns {{model: string, item: object} | null}
     */
    fragmentAt (path) {
      for (const model of current.models.values()) {
        const item = model.added.find((added) => added._path === path)
        if (item) return { model: model.name, item }
      }
      return null
    },

    /** Every fragment the app added, with its model's name. @returns {Array<{model: string, item: object}>} */
    fragments () {
      return [...current.models.values()].flatMap((model) => model.added.map((item) => ({ model: model.name, item })))
    },

    /**
     * Removes the fragment an app added at `path` (an unpublished or deleted one); false when
     * there is none.
     * @param {string} path
     */
    removeFragment (path) {
      for (const model of current.models.values()) {
        const at = model.added.findIndex((added) => added._path === path)
        if (at >= 0) {
          model.added.splice(at, 1)
          return true
        }
      }
      return false
    },

    /**
     * Parses and validates a query against the schema (after `tolerateEmptyArguments`).
     * @param {string} query
     * @returns {{document?: import('graphql').DocumentNode, errors: readonly GraphQLError[]}} `errors` empty when valid
     */
    checkQuery (query) {
      let document
      try {
        document = parse(tolerateEmptyArguments(query))
      } catch (error) {
        return { errors: [error] }
      }
      return { document, errors: validate(current.schema, document) }
    },

    /**
     * Executes a GraphQL query against the content (after `tolerateEmptyArguments`).
     * @param {string} query
     * @param {object} [variables]
     * @param {string} [operationName]
     * @returns {Promise<import('graphql').ExecutionResult>} `{data?, errors?}` as graphql-js produces
     */
    executeQuery (query, variables, operationName) {
      const { schema, rootValue } = current
      return graphql({ schema, source: tolerateEmptyArguments(query), rootValue, fieldResolver, variableValues: variables, operationName })
    }
  }
}

module.exports = { createContent, tolerateEmptyArguments, encodeCursor, decodeCursor }
