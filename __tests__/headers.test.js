'use strict'

// headerRecord takes headers from every fetch stack (the global Headers, the undici package's,
// node-fetch 2's, Maps, pairs, plain objects) and merges names case-insensitively, as Headers does.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const { headerRecord } = require('../lib/options')
const UndiciHeaders = require('undici').Headers
const NodeFetchHeaders = require('node-fetch').Headers

/** The record, with the names lower-cased, for comparing stacks that lower-case them. */
function lowered (record) {
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [name.toLowerCase(), value]))
}

test('undefined and null give no headers', () => {
  assert.equal(headerRecord(undefined, 'headers'), undefined)
  assert.equal(headerRecord(null, 'headers'), undefined)
})

test('the global Headers, the undici package\'s and node-fetch 2\'s give the same record', () => {
  const init = [['Authorization', 'Bearer t'], ['X-A', '1'], ['x-a', '2']]
  const classes = [Headers, UndiciHeaders, NodeFetchHeaders]
  // They are different classes, so instanceof Headers cannot tell them apart.
  assert.notEqual(UndiciHeaders, Headers)
  assert.notEqual(NodeFetchHeaders, Headers)
  for (const Class of classes) {
    const record = headerRecord(new Class(init), 'headers')
    assert.equal(Object.getPrototypeOf(record), Object.prototype)
    assert.deepEqual(lowered(record), { authorization: 'Bearer t', 'x-a': '1, 2' }, Class.name)
  }
})

test('a Headers-like with only entries() is read through it', () => {
  const entriesOnly = { entries: () => [['X-E', 'e'], ['x-e', 'f']][Symbol.iterator]() }
  assert.deepEqual(headerRecord(entriesOnly, 'headers'), { 'X-E': 'e, f' })
})

test('a Map merges names case-insensitively and drops null and undefined values', () => {
  const map = new Map([['X-A', '1'], ['x-a', 2], ['X-Null', null], ['X-Undef', undefined]])
  assert.deepEqual(headerRecord(map, 'headers'), { 'X-A': '1, 2' })
})

test('an array of pairs merges names case-insensitively and converts values with String', () => {
  assert.deepEqual(headerRecord([['X-A', '1'], ['Other', 3], ['x-A', '2']], 'headers'), { 'X-A': '1, 2', Other: '3' })
})

test('a generator of pairs is read, even with an iterator\'s forEach', () => {
  function * pairs () {
    yield ['X-G', 'a']
    yield ['x-g', 'b']
  }
  assert.deepEqual(headerRecord(pairs(), 'headers'), { 'X-G': 'a, b' })
  // Node 22's Iterator#forEach calls back with (value, index): still read as pairs.
  const withForEach = Object.assign(pairs(), { forEach (callback) { let i = 0; for (const value of this) callback(value, i++) } })
  assert.deepEqual(headerRecord(withForEach, 'headers'), { 'X-G': 'a, b' })
})

test('a plain object with names differing only in case gives one name, the same every time', () => {
  const headers = { 'x-a': '1', 'X-A': '2', 'X-Null': null }
  for (let i = 0; i < 30; i++) {
    assert.deepEqual(headerRecord(headers, 'headers'), { 'x-a': '1, 2' })
  }
})

test('a header named __proto__ is an own key and leaves the prototype alone', () => {
  const shapes = [JSON.parse('{"__proto__": "x"}'), [['__proto__', 'x']], new Map([['__proto__', 'x']]), new Headers([['__proto__', 'x']])]
  for (const headers of shapes) {
    const record = headerRecord(headers, 'headers')
    assert.ok(Object.hasOwn(record, '__proto__'))
    assert.equal(record.__proto__, 'x') // eslint-disable-line no-proto
    assert.equal(Object.getPrototypeOf(record), Object.prototype)
  }
})

test('other shapes are INVALID_PARAM naming the option', () => {
  const bad = ['X-A: b', 42, true, Symbol('h'), () => {}, new Set(['a']), [['only-a-name']], [42], [['a', '1'], ['b', '2', '3']]]
  for (const headers of bad) {
    assert.throws(() => headerRecord(headers, 'options.headers'), (err) => {
      assert.equal(err.code, 'INVALID_PARAM')
      assert.match(err.message, /: options\.headers(\[\d+\])? must be /)
      return true
    })
  }
  assert.throws(() => headerRecord('X-A: b', 'headers'), { code: 'INVALID_PARAM', message: /headers must be an object, a Headers, a Map or an iterable of \[name, value\] pairs/ })
  assert.throws(() => headerRecord([['a', '1'], ['b']], 'options.headers'), { code: 'INVALID_PARAM', message: /options\.headers\[1\] must be a \[name, value\] pair/ })
})
