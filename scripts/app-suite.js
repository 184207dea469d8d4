#!/usr/bin/env node
// `node scripts/app-suite.js`: the drop-in acceptance test. The jest suite of
// examples/express-app, an app written for @adobe/aem-headless-client-nodejs, runs twice
// in temporary copies of the app:
//   1. as it is, with Adobe's package (npm ci from its lockfile);
//   2. with its one require of Adobe's package changed to require('aem-headless-rs'), and
//      this package installed from the tarballs of scripts/pack.js in place of Adobe's.
// Neither run gets an environment variable of this package. It prints each test's outcome in
// both runs and why the tests that fail with this package fail; it exits 1 when this package
// passes fewer tests than Adobe's, or when Adobe's does not pass all of them.
// Needs a checkout whose addon is built, and the npm registry. `--keep` keeps the temporary
// directory (the two copies of the app and jest's JSON results) and prints where it is.
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { pack } = require('./pack')

const ROOT = path.join(__dirname, '..')
const APP = path.join(ROOT, 'examples', 'express-app')
const EXPECTED_TESTS = 40
const ADOBE_PACKAGE = '@adobe/aem-headless-client-nodejs'
const ADOBE_REQUIRE = `require('${ADOBE_PACKAGE}')`
const OUR_REQUIRE = "require('aem-headless-rs')"
const JEST_TIMEOUT_MS = 15 * 60 * 1000

// The children's environment: this package's own settings (AEM_HEADLESS_TRANSPORT...) removed.
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AEM_HEADLESS_')))

function log (message) {
  console.error(`app-suite: ${message}`)
}

/** Runs a command; throws with its output when it fails. */
function run (command, args, cwd, timeout = JEST_TIMEOUT_MS) {
  const result = spawnSync(command, args, {
    cwd,
    env: childEnv,
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
    shell: process.platform === 'win32' && command === 'npm'
  })
  if (result.error) throw result.error
  return result
}

function npm (args, cwd) {
  const result = run('npm', [...args, '--no-audit', '--no-fund'], cwd)
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${cwd}:\n${result.stderr}`)
}

/** A copy of the example app (without any node_modules of the checkout) in `dir`. */
function copyApp (dir) {
  fs.cpSync(APP, dir, {
    recursive: true,
    filter: (source) => !['node_modules', 'coverage'].includes(path.basename(source))
  })
  return dir
}

/** The app's require of Adobe's package changed to ours, and ours installed in place of Adobe's. */
function switchToOurs (dir, tarballs) {
  const aemModule = path.join(dir, 'src', 'aem.js')
  const source = fs.readFileSync(aemModule, 'utf8')
  if (source.split(ADOBE_REQUIRE).length !== 2) throw new Error(`src/aem.js must hold ${ADOBE_REQUIRE} exactly once`)
  fs.writeFileSync(aemModule, source.replace(ADOBE_REQUIRE, OUR_REQUIRE))

  // Drop Adobe's package from the manifest: `npm install` of the tarballs then removes it
  // and its dependencies, so nothing of it is left for the app to lean on.
  const manifestFile = path.join(dir, 'package.json')
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'))
  delete manifest.dependencies[ADOBE_PACKAGE]
  fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2) + '\n')
  npm(['install', tarballs.main, tarballs.platform], dir)
}

/** Runs the app's jest suite; returns Map(test name -> { passed, message }). */
function runJest (dir, label) {
  const outputFile = path.join(dir, '..', `${label}-results.json`)
  const jest = path.join(dir, 'node_modules', 'jest', 'bin', 'jest.js')
  // --forceExit: a client that leaves a handle open must not hang the run
  const result = run(process.execPath, [jest, '--ci', '--json', `--outputFile=${outputFile}`, '--forceExit'], dir)
  if (!fs.existsSync(outputFile)) {
    throw new Error(`jest wrote no results with ${label} (exit ${result.status}, ${result.signal || 'no signal'}):\n${tail(result.stderr, 30)}`)
  }
  const report = JSON.parse(fs.readFileSync(outputFile, 'utf8'))
  const tests = new Map()
  for (const file of report.testResults) {
    const fileName = path.relative(dir, file.name).split(path.sep).join('/').replace(/^__tests__\//, '')
    for (const test of file.assertionResults) {
      tests.set(`${fileName} › ${test.fullName}`, {
        passed: test.status === 'passed',
        message: test.failureMessages.join('\n')
      })
    }
    // A file that failed to run (a syntax error, a module not found) has no test results
    if (file.assertionResults.length === 0 && file.message) {
      tests.set(`${fileName} (file)`, { passed: false, message: file.message })
    }
  }
  return tests
}

function tail (text, lines) {
  return String(text || '').trimEnd().split('\n').slice(-lines).join('\n')
}

/** The first lines of a jest failure message, without colours, stack frames and repeats. */
function firstLines (message, count = 12) {
  const seen = new Set() // jest repeats a timeout's text as its [cause]
  return message
    .replace(/\u001b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex
    .split('\n')
    .filter((line) => !/^\s+at /.test(line) && line.trim() !== '')
    .filter((line) => {
      const text = line.replace(/^\[cause\]: /, '')
      return !seen.has(text) && seen.add(text)
    })
    .slice(0, count)
    .map((line) => `    ${line}`)
    .join('\n')
}

function report (adobe, ours) {
  const names = [...new Set([...adobe.keys(), ...ours.keys()])]
  const mark = (result) => (result ? (result.passed ? 'pass' : 'FAIL') : '-')
  const width = Math.max(...names.map((name) => name.length), 4)
  const lines = [`${'test'.padEnd(width)}  adobe  ours`, `${'-'.repeat(width)}  -----  ----`]
  for (const name of names) {
    lines.push(`${name.padEnd(width)}  ${mark(adobe.get(name)).padEnd(5)}  ${mark(ours.get(name))}`)
  }
  const passes = (tests) => [...tests.values()].filter((t) => t.passed).length
  const adobePassed = passes(adobe)
  const oursPassed = passes(ours)
  lines.push('', `adobe: ${adobePassed}/${EXPECTED_TESTS} passed, ours: ${oursPassed}/${EXPECTED_TESTS} passed`)
  console.log(lines.join('\n'))

  const failing = names.filter((name) => ours.has(name) && !ours.get(name).passed)
  if (failing.length > 0) {
    console.log('\nfailing with aem-headless-rs:')
    for (const name of failing) console.log(`\n  ${name}\n${firstLines(ours.get(name).message)}`)
  }
  return { adobePassed, oursPassed }
}

function main () {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aem-app-suite-'))
  const keep = process.argv.includes('--keep')
  const cleanup = () => (keep ? log(`kept ${work}`) : fs.rmSync(work, { recursive: true, force: true }))
  process.once('SIGINT', () => { cleanup(); process.exit(130) })
  process.once('SIGTERM', () => { cleanup(); process.exit(143) })
  const started = Date.now()
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`
  try {
    const tarballs = pack(path.join(work, 'packs'))
    log(`packed ${path.basename(tarballs.main)} and ${path.basename(tarballs.platform)} (${elapsed()})`)

    const adobeDir = copyApp(path.join(work, 'adobe'))
    npm(['ci'], adobeDir)
    log(`adobe: installed (${elapsed()})`)
    const adobe = runJest(adobeDir, 'adobe')
    log(`adobe: jest done (${elapsed()})`)

    const oursDir = copyApp(path.join(work, 'ours'))
    npm(['ci'], oursDir)
    switchToOurs(oursDir, tarballs)
    log(`ours: installed (${elapsed()})`)
    const ours = runJest(oursDir, 'ours')
    log(`ours: jest done (${elapsed()})`)

    const { adobePassed, oursPassed } = report(adobe, ours)
    if (adobePassed < EXPECTED_TESTS) log(`Adobe's package passes ${adobePassed} of the ${EXPECTED_TESTS} tests: the suite itself is wrong`)
    if (oursPassed < adobePassed) log(`aem-headless-rs passes ${adobePassed - oursPassed} test(s) fewer than Adobe's package`)
    process.exitCode = adobePassed < EXPECTED_TESTS || oursPassed < adobePassed ? 1 : 0
  } catch (error) {
    log(error.stack || error.message)
    process.exitCode = 1
  } finally {
    cleanup()
  }
}

main()
