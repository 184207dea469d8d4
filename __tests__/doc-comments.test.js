'use strict'

// The hand-written type files are the API reference: every doc comment documents the declaration
// under it. A comment left behind when a declaration moved is attached to the next one, on top of
// that one's own, and editors show both; this test finds such comments with TypeScript's parser.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const ts = require('typescript')

for (const name of ['index.d.ts', 'index.d.mts']) {
  test(`${name}: no declaration carries a second doc comment, and none is left unattached`, () => {
    const file = path.join(__dirname, '..', name)
    const text = fs.readFileSync(file, 'utf8')
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
    const attached = new Set()
    const doubled = []
    const visit = (node) => {
      const docs = (node.jsDoc || []).filter((doc) => doc.pos > 0 || node.pos > 0)
      for (const doc of docs) attached.add(doc.pos)
      if (docs.length > 1) {
        const line = source.getLineAndCharacterOfPosition(docs[0].getStart()).line + 1
        doubled.push(`line ${line}: ${docs[0].getText().slice(0, 60)}`)
      }
      ts.forEachChild(node, visit)
    }
    ts.forEachChild(source, visit)
    assert.deepEqual(doubled, [], 'a doc comment above another one documents nothing')
    const unattached = []
    for (const match of text.matchAll(/\/\*\*(?!\/)/g)) {
      const line = source.getLineAndCharacterOfPosition(match.index).line + 1
      // The file's own header (line 1) introduces the file, not a declaration.
      if (line > 1 && ![...attached].some((pos) => text.indexOf('/**', pos) === match.index)) unattached.push(line)
    }
    assert.deepEqual(unattached, [], 'doc comments that document nothing')
  })
}
