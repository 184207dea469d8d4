'use strict'

/**
 * Which platform package holds the native binary for this machine, and the error that says so
 * when it is missing: napi-rs's own message names none and blames npm.
 */

const { optionalDependencies = {}, version } = require('../package.json')

/** The C library of a Linux machine, as the platform packages are named after it. */
function libc () {
  const report = typeof process.report === 'object' && process.report !== null ? process.report.getReport() : null
  return report !== null && report.header && report.header.glibcVersionRuntime ? 'gnu' : 'musl'
}

/**
 * The platform package this machine needs: `aem-headless-rs-linux-x64-gnu`, …
 * @returns {string}
 */
function platformPackage () {
  const suffix = process.platform === 'linux' ? `-${libc()}` : process.platform === 'win32' ? '-msvc' : ''
  return `aem-headless-rs-${process.platform}-${process.arch}${suffix}`
}

/**
 * The error for a native binary that could not be loaded: which package was wanted, at which
 * version, and how to get it; napi-rs's error (with what it tried) as its cause.
 * @param {unknown} cause
 * @returns {Error}
 */
function missingBinary (cause) {
  const wanted = platformPackage()
  const known = Object.keys(optionalDependencies)
  const supported = known.includes(wanted)
    ? `npm installs it as an optional dependency: install it with \`npm install ${wanted}@${version}\`, or reinstall without \`--omit=optional\` (or \`--no-optional\`), with the lock file of the machine that runs it. Before the first registry release, \`npm run pack\` in a checkout writes it as a tarball beside the main one: install both.`
    : `No package is built for ${process.platform}-${process.arch}; the platforms are ${known.map((name) => name.replace('aem-headless-rs-', '')).join(', ')}.`
  const error = new Error(`aem-headless-rs cannot load its native binary: it is in the package ${wanted}@${version}, which is not installed or does not load. ${supported}`, { cause })
  error.code = 'ERR_AEM_HEADLESS_BINARY'
  error.platformPackage = wanted
  return error
}

module.exports = { platformPackage, missingBinary }
