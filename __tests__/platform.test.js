'use strict'

// A missing native binary (an install with --omit=optional, a lock file from another platform)
// says which platform package it wanted and how to get it, instead of napi-rs's generic words.

const { test } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')

test('without its platform package the package names the one it wants, at its version, and how to install it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aem-headless-rs-nobinary-'))
  try {
    // The package as installed without its optional dependency: no .node, no platform package.
    for (const file of ['index.js', 'binding.js', 'package.json']) fs.copyFileSync(path.join(ROOT, file), path.join(dir, file))
    fs.cpSync(path.join(ROOT, 'lib'), path.join(dir, 'lib'), { recursive: true })
    const script = `try { require(${JSON.stringify(dir)}) } catch (error) { console.log(JSON.stringify({ message: error.message, code: error.code, wanted: error.platformPackage, cause: String(error.cause && error.cause.message) })) }`
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' }))
    const { version } = require('../package.json')
    const { platformPackage } = require('../lib/platform')
    assert.equal(out.code, 'ERR_AEM_HEADLESS_BINARY')
    assert.equal(out.wanted, platformPackage())
    assert.match(out.wanted, /^aem-headless-rs-linux-x64-(gnu|musl)$|^aem-headless-rs-/)
    assert.ok(out.message.includes(`${out.wanted}@${version}`), out.message)
    assert.ok(out.message.includes(`npm install ${out.wanted}@${version}`), out.message)
    assert.match(out.message, /npm run pack/)
    assert.match(out.cause, /Cannot find native binding/, 'napi-rs\'s error, with what it tried, is the cause')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
