'use strict'

/**
 * Persisted-query variable values whose URL encoding must be byte-identical to Adobe's client:
 * every JSON type, unicode, the characters that broke clients before, white space.
 */
module.exports = [
  'Camping',
  '',
  'two words',
  ' leading and trailing ',
  'tab\there',
  'new\nline',
  'a+b',
  'semi;colon',
  'equals=sign',
  'slash/path',
  'question?mark',
  'hash#tag',
  'percent%25',
  'amp&ersand',
  'double"quote',
  "single'quote",
  'back\\slash',
  '-_.!~*()',
  'é à ü ß',
  '日本語',
  '😀 emoji',
  '<tag>{x}[y]|^`',
  5,
  -1.5,
  0,
  3.14159,
  1e21,
  true,
  false,
  null,
  [1, 'a', null],
  [],
  { a: { b: [1, 2] } },
  {},
  { s: 'x;y', n: 2 }
]
