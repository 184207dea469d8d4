'use strict'

/** `buildQuery(model, fields, config, args)` arguments whose query text must match Adobe's. */
module.exports = [
  ['adventure', '{ title }', {}, {}],
  ['adventure', '{ title }', { pageSize: 5 }, {}],
  ['article', '{ title slug }', { pageSize: 5, after: 'abc' }, { sort: 'title' }],
  ['article', '{ title }', { useLimitOffset: true }, {}],
  ['article', '{ title }', { useLimitOffset: true, pageSize: 7, after: 14 }, { filter: { title: { _expressions: [{ value: 'a"b', _operator: 'CONTAINS' }] } } }],
  ['adventure', '{ title }', {}, { _path: '/content/x' }],
  ['a', '{b}', { pageSize: 3 }, { first: 9, after: 'c' }],
  ['a', '{b}', { useLimitOffset: true }, { limit: 4, offset: 8 }],
  ['a', '{b}', undefined, undefined]
]
