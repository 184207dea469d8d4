'use strict'

// The JavaScript face in layers, as src/ is (tests/layers.rs): lib/ modules require only lib/
// modules of lower layers and the generated binding, never index.js, and never each other in a
// circle. The layers are drawn in docs/ARCHITECTURE.md.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const LIB = path.join(__dirname, '..', 'lib')

/**
 * lib/'s layers, lowest first: each module may require those of lower layers. A module missing
 * here fails the test: give it its layer.
 */
const LAYERS = [
  ['errors', 'abort', 'otel', 'outcome', 'platform', 'event-invalidations', 'event-dedupe'],
  ['options', 'tls', 'logger', 'cache-store', 'redis-store', 'query-builder', 'network'],
  ['app-fetch', 'invalidations', 'events-handler', 'cdn-purge'],
  ['tracing', 'credentials', 'fetch-transport', 'shared-token'],
  ['raw-answer', 'exchange', 'token-provider'],
  ['managed-token'],
  ['auth-fetch', 'api-request'],
  ['journal']
]

/** The lib/ modules a module requires, by name. */
function requires (name) {
  const text = fs.readFileSync(path.join(LIB, `${name}.js`), 'utf8')
  return [...text.matchAll(/require\('(\.{1,2}\/[^']+)'\)/g)].map((match) => match[1])
}

test('lib/ requires only go down its layers: no circle, and index.js is on top of all', () => {
  const layerOf = new Map(LAYERS.flatMap((names, layer) => names.map((name) => [name, layer])))
  const modules = fs.readdirSync(LIB).filter((file) => file.endsWith('.js')).map((file) => file.slice(0, -3))
  assert.deepEqual(modules.filter((name) => !layerOf.has(name)), [], 'every lib/ module has a layer')
  const wrong = []
  for (const name of modules) {
    for (const target of requires(name)) {
      if (target.startsWith('../')) {
        if (!['../binding.js', '../package.json'].includes(target)) wrong.push(`${name} -> ${target}`)
        continue
      }
      const required = target.slice(2).replace(/\.js$/, '')
      if (!(layerOf.get(required) < layerOf.get(name))) wrong.push(`${name} -> ${required}`)
    }
  }
  assert.deepEqual(wrong, [], 'requires that go up, across or out of lib/')
})
