'use strict'

/**
 * An app's emulator content kept in a folder, for the command line's `--fixtures` and for
 * `readFixtures(dir)`.
 * @module emulator/fixtures
 */

const fs = require('node:fs')
const path = require('node:path')

/** The `.json` files a fixtures folder may hold, one per key of `load`'s content. */
const JSON_FILES = ['models', 'fragments', 'users', 'persistedQueries']

/** Parses a JSON file; the error names the file. */
function readJson (file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'))
  } catch (error) {
    throw new Error(`cannot read ${file}: ${error.message}`)
  }
}

/**
 * Reads an app's content from a folder, each part optional: `models.json`, `fragments.json`,
 * `users.json` and `persistedQueries.json` (each as `load` takes that key), and
 * `queries/{conf}/{name}.graphql`, the text of the persisted query `conf/name` (those of
 * `persistedQueries.json` win).
 * @param {string} dir
 * @returns {import('./aem').EmulatorContent} what `load` (or the `load` option) takes
 */
function readFixtures (dir) {
  if (!fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`no fixtures folder at ${dir}`)
  const content = {}
  for (const key of JSON_FILES) {
    const file = path.join(dir, `${key}.json`)
    if (fs.existsSync(file)) content[key] = readJson(file)
  }
  const queries = path.join(dir, 'queries')
  if (fs.existsSync(queries)) {
    const texts = {}
    for (const conf of fs.readdirSync(queries, { withFileTypes: true }).filter((entry) => entry.isDirectory())) {
      for (const file of fs.readdirSync(path.join(queries, conf.name)).filter((name) => name.endsWith('.graphql'))) {
        texts[`${conf.name}/${file.slice(0, -'.graphql'.length)}`] = fs.readFileSync(path.join(queries, conf.name, file), 'utf8')
      }
    }
    content.persistedQueries = { ...texts, ...content.persistedQueries }
  }
  return content
}

module.exports = { readFixtures, readJson }
