#!/usr/bin/env node
// `node scripts/pack.js [outDir]`: packs the package as it would be published, from a
// checkout whose addon is built, and prints the paths of the two tarballs:
// - the main package, `npm pack` of the repository root;
// - the platform package of this machine (npm/<platform>/) with the built addon in it.
// Nothing is built: `npm pack` runs with --ignore-scripts, as `prepare` would rebuild the addon.
// Without outDir the tarballs go to a new temporary directory.
'use strict'

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const { platformPackage } = require('../lib/platform')

const ROOT = path.join(__dirname, '..')

/** The napi-rs name of this machine's platform, as in npm/<name>/ (linux-x64-gnu, darwin-arm64, ...). */
function platformName () {
  return platformPackage().replace(/^aem-headless-rs-/, '')
}

/** `npm pack` of `dir` into `outDir`; returns the tarball's path. */
function npmPack (dir, outDir) {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', outDir], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    shell: process.platform === 'win32'
  })
  const [info] = JSON.parse(out)
  return path.join(outDir, info.filename)
}

/** Packs both packages into `outDir`; returns `{ main, platform }`, the tarballs' paths. */
function pack (outDir) {
  fs.mkdirSync(outDir, { recursive: true })
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
  const name = platformName()
  const addonFile = `${pkg.napi.binaryName}.${name}.node`
  const addon = path.join(ROOT, addonFile)
  const platformDir = path.join(ROOT, 'npm', name)
  if (!fs.existsSync(addon)) throw new Error(`${addonFile} is missing: build the addon first (npm run build)`)
  if (!fs.existsSync(platformDir)) throw new Error(`npm/${name} is missing: no platform package for this machine`)

  const platformPkg = JSON.parse(fs.readFileSync(path.join(platformDir, 'package.json'), 'utf8'))
  const wanted = (pkg.optionalDependencies || {})[platformPkg.name]
  if (wanted !== platformPkg.version) {
    throw new Error(`package.json wants ${platformPkg.name}@${wanted}, npm/${name} is ${platformPkg.version}`)
  }

  // The platform package is packed from a copy with the addon in it: the checkout stays as it is.
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'aem-headless-rs-platform-'))
  try {
    fs.cpSync(platformDir, staging, { recursive: true })
    fs.copyFileSync(addon, path.join(staging, addonFile))
    return { main: npmPack(ROOT, outDir), platform: npmPack(staging, outDir) }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true })
  }
}

module.exports = { pack, platformName }

if (require.main === module) {
  const outDir = process.argv[2]
    ? path.resolve(process.argv[2])
    : fs.mkdtempSync(path.join(os.tmpdir(), 'aem-headless-rs-pack-'))
  try {
    const { main, platform } = pack(outDir)
    console.log(main)
    console.log(platform)
  } catch (error) {
    console.error(error.stderr ? `${error.message}\n${error.stderr}` : error.message)
    process.exitCode = 1
  }
}
