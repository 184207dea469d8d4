'use strict'

// Adobe's @adobe/aem-upload for the tests and the benchmark that compare with it, from its own
// package (__tests__/support/adobe-upload, with its lock file): installed from the registry at
// first use, without optional dependencies. As a devDependency of the project, its optional
// semantic-release would put an npm 9 binary first on the PATH of every npm script.

const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const DIR = path.join(__dirname, 'adobe-upload')
const ENTRY = path.join(DIR, 'node_modules', '@adobe', 'aem-upload')

/** The path `require` takes for Adobe's package, installed if it is not yet. */
function adobeUploadPath () {
  if (!fs.existsSync(path.join(ENTRY, 'package.json'))) {
    // The npm that runs the tests, when there is one, else the one on the PATH.
    const [command, args] = process.env.npm_execpath
      ? [process.execPath, [process.env.npm_execpath]]
      : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []]
    execFileSync(command, [...args, 'ci', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: DIR, stdio: ['ignore', 'ignore', 'inherit'], shell: process.platform === 'win32' })
  }
  return ENTRY
}

module.exports = { adobeUploadPath }
