#!/usr/bin/env node
// Checks the links of every Markdown file of the repository (the files git knows, tracked or
// not ignored; every .md outside node_modules, target and dot folders without git): a relative
// link must name a file or folder that exists inside the repository, and an `#anchor` must match a
// heading of the Markdown file it points to, by GitHub's rules for heading ids (lowercase,
// punctuation removed, each space a `-`, a repeated id suffixed `-1`, `-2`…) or an HTML
// `id`/`name`. External http(s) links are checked for syntax only: nothing is fetched. Links in
// code (fenced blocks, code spans) are not links. Prints each broken link as file:line and exits
// 1 if there is one.
//
//   node scripts/check-links.js [FILE.md …]   (default: every Markdown file of the repository)
'use strict'

const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const ROOT = path.join(__dirname, '..')
/** Folders never searched when git cannot list the files. */
const SKIPPED = new Set(['node_modules', 'target'])
/** Schemes a link may use besides a relative path. */
const EXTERNAL = new Set(['http:', 'https:', 'mailto:'])

/**
 * GitHub's heading ids for one document, as github-slugger makes them: `slug(text)` gives the id
 * of the next heading with that text, counting the ids given before.
 * @returns {(text: string) => string}
 */
function slugger () {
  const occurrences = new Map()
  return (text) => {
    const base = slugOf(text)
    let slug = base
    while (occurrences.has(slug)) {
      const count = occurrences.get(base) + 1
      occurrences.set(base, count)
      slug = `${base}-${count}`
    }
    occurrences.set(slug, 0)
    return slug
  }
}

/**
 * The id of a heading whose rendered text is `text`, before duplicates are counted: lowercase,
 * every character that is not a letter, a mark, a digit, `_`, `-` or a space removed, then
 * each space a `-`.
 * @param {string} text
 */
function slugOf (text) {
  return text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '').replace(/ /g, '-')
}

/**
 * The text a heading's Markdown renders to, as far as ids care: code spans keep their content,
 * links and images their text, HTML tags and emphasis markers go, escapes give their character.
 * @param {string} markdown
 */
function headingText (markdown) {
  const codes = []
  let text = markdown.replace(/(`+)([^`]|[^`].*?[^`])\1(?!`)/g, (_, ticks, code) => {
    codes.push(code.trim() === '' ? code : code.replace(/^ (.*) $/, '$1'))
    return `\u0000${codes.length - 1}\u0000`
  })
  text = text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/!?\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/(^|[^\p{L}\p{N}])[*_]{1,3}(?=\S)|(?<=\S)[*_]{1,3}(?=[^\p{L}\p{N}]|$)/gu, '$1')
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
  return text.replace(/\u0000(\d+)\u0000/g, (_, i) => codes[Number(i)]).trim()
}

/**
 * The lines of a Markdown text with what is code blanked: fenced blocks (``` and ~~~), indented
 * code is not looked for. Line numbers stay as they were.
 * @param {string} text
 * @returns {{lines: string[], code: boolean[]}}
 */
function linesOf (text) {
  const lines = text.split(/\r?\n/)
  const code = []
  let fence = null
  for (const line of lines) {
    const open = /^ {0,3}(`{3,}|~{3,})/.exec(line)
    if (fence === null) {
      if (open && !(open[1][0] === '`' && line.slice(open.index + open[0].length).includes('`'))) {
        fence = open[1]
        code.push(true)
      } else {
        code.push(false)
      }
    } else {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line)
      if (close && close[1][0] === fence[0] && close[1].length >= fence.length) fence = null
      code.push(true)
    }
  }
  return { lines, code }
}

/** The anchors of a Markdown file, cached by its absolute path. */
const anchorCache = new Map()

/**
 * Every anchor a Markdown file defines: its headings' ids (ATX and setext) and the `id` and
 * `name` attributes of its HTML.
 * @param {string} file an absolute path
 * @returns {Set<string>}
 */
function anchorsOf (file) {
  if (anchorCache.has(file)) return anchorCache.get(file)
  const { lines, code } = linesOf(fs.readFileSync(file, 'utf8'))
  const slug = slugger()
  const anchors = new Set()
  for (let i = 0; i < lines.length; i++) {
    if (code[i]) continue
    const line = lines[i]
    const atx = /^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/.exec(line)
    if (atx) {
      anchors.add(slug(headingText(atx[1] || '')))
    } else if (i + 1 < lines.length && !code[i + 1] && /^ {0,3}(=+|-+)[ \t]*$/.test(lines[i + 1]) &&
      line.trim() !== '' && !/^ {0,3}([-*+]|\d+[.)]|>|\|)/.test(line) && !line.includes('|') &&
      (i === 0 || lines[i - 1].trim() === '' || code[i - 1])) {
      anchors.add(slug(headingText(line.trim())))
      i++
    }
    for (const match of line.matchAll(/<[a-z][^>]*?\s(?:id|name)\s*=\s*["']([^"']+)["']/gi)) anchors.add(match[1])
  }
  anchorCache.set(file, anchors)
  return anchors
}

/**
 * A line with its code spans blanked (same length), so that nothing in code reads as a link.
 * @param {string} line
 */
function withoutCodeSpans (line) {
  return line.replace(/(`+)([^`]|[^`].*?[^`])\1(?!`)/g, (span) => ' '.repeat(span.length))
}

/**
 * The link destination that starts at `text[start]` (just after `](`): `<…>`, or up to the
 * `)` that balances, before an optional title.
 * @param {string} text
 * @param {number} start
 * @returns {string | null}
 */
function destinationAt (text, start) {
  let i = start
  while (text[i] === ' ') i++
  if (text[i] === '<') {
    const end = text.indexOf('>', i)
    return end < 0 ? null : text.slice(i + 1, end)
  }
  let depth = 0
  let destination = ''
  for (; i < text.length; i++) {
    const c = text[i]
    if (c === '\\' && i + 1 < text.length) {
      destination += text[++i]
      continue
    }
    if (c === '(') depth++
    if (c === ')') {
      if (depth === 0) return destination
      depth--
    }
    if (c === ' ' && depth === 0) {
      const rest = text.slice(i).trimStart()
      return /^["'(]/.test(rest) || rest.startsWith(')') ? destination : null
    }
    destination += c
  }
  return null
}

/**
 * Every link of a Markdown file: inline links and images, reference definitions and their uses,
 * autolinks and HTML `href`/`src`, each with its line number.
 * @param {string} text
 * @returns {{links: {line: number, target: string}[], problems: {line: number, message: string}[]}}
 */
function linksOf (text) {
  const { lines, code } = linesOf(text)
  const links = []
  const problems = []
  const definitions = new Set()
  const uses = []
  for (let i = 0; i < lines.length; i++) {
    if (code[i]) continue
    const line = withoutCodeSpans(lines[i])
    const definition = /^ {0,3}\[([^\]]+)\]:\s*(<[^>]*>|\S+)/.exec(line)
    if (definition) {
      definitions.add(definition[1].trim().toLowerCase())
      links.push({ line: i + 1, target: definition[2].replace(/^<(.*)>$/, '$1') })
      continue
    }
    for (const match of line.matchAll(/\]\(/g)) {
      const target = destinationAt(line, match.index + 2)
      if (target === null) problems.push({ line: i + 1, message: `unterminated link destination after "${line.slice(Math.max(0, match.index - 20), match.index + 2)}"` })
      else links.push({ line: i + 1, target })
    }
    for (const match of line.matchAll(/\]\[([^\]]*)\]/g)) {
      const label = match[1].trim().toLowerCase()
      if (label !== '') uses.push({ line: i + 1, label })
    }
    for (const match of line.matchAll(/<((?:https?|mailto):[^\s<>]*)>/gi)) links.push({ line: i + 1, target: match[1] })
    for (const match of line.matchAll(/<[a-z][^>]*?\s(?:href|src)\s*=\s*["']([^"']*)["']/gi)) links.push({ line: i + 1, target: match[1] })
  }
  for (const use of uses) {
    if (!definitions.has(use.label)) problems.push({ line: use.line, message: `reference [${use.label}] is not defined` })
  }
  return { links, problems }
}

/**
 * What is wrong with one link of `file`, or null.
 * @param {string} file an absolute path
 * @param {string} target
 * @returns {string | null}
 */
function problemOf (file, target) {
  if (target === '') return 'empty link'
  const scheme = /^([a-z][a-z0-9+.-]*:)/i.exec(target)
  if (scheme) {
    const name = scheme[1].toLowerCase()
    if (!EXTERNAL.has(name)) return `unsupported scheme ${name}`
    if (name === 'mailto:') return /^mailto:[^@\s]+@[^@\s]+$/i.test(target) ? null : 'malformed mailto: link'
    let url
    try {
      url = new URL(target)
    } catch {
      return 'malformed URL'
    }
    if (!/^https?:\/\/[^/]/i.test(target) || url.hostname === '' || /\s/.test(target)) return 'malformed URL'
    return null
  }
  if (target.startsWith('//')) return 'protocol-relative URL: give the scheme'
  const hash = target.indexOf('#')
  const pathPart = (hash < 0 ? target : target.slice(0, hash)).replace(/\?.*$/, '')
  const anchor = hash < 0 ? null : target.slice(hash + 1)
  let decoded
  try {
    decoded = decodeURIComponent(pathPart)
    if (anchor !== null) decodeURIComponent(anchor)
  } catch {
    return 'malformed percent-encoding'
  }
  const resolved = decoded === ''
    ? file
    : decoded.startsWith('/') ? path.join(ROOT, decoded) : path.resolve(path.dirname(file), decoded)
  const relative = path.relative(ROOT, resolved)
  if (relative.startsWith('..') || path.isAbsolute(relative)) return `${pathPart} is outside the repository`
  if (!fs.existsSync(resolved)) return `${decoded} does not exist`
  if (anchor === null) return null
  if (anchor === '') return 'empty anchor'
  const isMarkdown = /\.(md|markdown)$/i.test(resolved) && fs.statSync(resolved).isFile()
  if (!isMarkdown) {
    // GitHub's line anchors on a source file; nothing else can be checked there.
    return fs.statSync(resolved).isFile() && !/^L\d+(C\d+)?(-L\d+(C\d+)?)?$/.test(anchor)
      ? `only line anchors (#L10, #L10-L20) can point into ${path.basename(resolved)}`
      : null
  }
  const wanted = decodeURIComponent(anchor)
  if (anchorsOf(resolved).has(wanted)) return null
  const near = [...anchorsOf(resolved)].filter((a) => a.includes(wanted) || wanted.includes(a)).slice(0, 3)
  return `no heading of ${path.relative(ROOT, resolved)} has this id${near.length > 0 ? ` (did you mean ${near.map((a) => `#${a}`).join(', ')}?)` : ''}`
}

/**
 * The repository's Markdown files, as paths from the root: what git tracks or would track (not
 * ignored), else every .md outside node_modules, target and dot folders.
 * @returns {string[]}
 */
function markdownFiles () {
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '*.md', '*.markdown'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore']
    })
    return [...new Set(out.split('\0').filter(Boolean))]
      .filter((f) => !f.split('/').some((part) => SKIPPED.has(part)) && fs.existsSync(path.join(ROOT, f)))
      .sort()
  } catch {
    const found = []
    const walk = (dir) => {
      for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
        const relative = path.posix.join(dir, entry.name)
        if (entry.isDirectory()) {
          if (!SKIPPED.has(entry.name) && !entry.name.startsWith('.')) walk(relative)
        } else if (/\.(md|markdown)$/i.test(entry.name)) {
          found.push(relative)
        }
      }
    }
    walk('')
    return found.sort()
  }
}

/**
 * Checks the links of `files` (paths from the root, or absolute).
 * @param {string[]} files
 * @returns {{files: number, links: number, broken: string[]}}
 */
function check (files) {
  const broken = []
  let count = 0
  for (const name of files) {
    const file = path.resolve(ROOT, name)
    const shown = path.relative(ROOT, file)
    const { links, problems } = linksOf(fs.readFileSync(file, 'utf8'))
    for (const problem of problems) broken.push(`${shown}:${problem.line}: ${problem.message}`)
    for (const link of links) {
      count++
      const problem = problemOf(file, link.target)
      if (problem !== null) broken.push(`${shown}:${link.line}: ${link.target}: ${problem}`)
    }
  }
  return { files: files.length, links: count, broken }
}

if (require.main === module) {
  const args = process.argv.slice(2)
  const result = check(args.length > 0 ? args : markdownFiles())
  for (const line of result.broken) console.error(line)
  console.log(`check-links: ${result.files} file(s), ${result.links} link(s), ${result.broken.length} broken`)
  process.exitCode = result.broken.length === 0 ? 0 : 1
}

module.exports = { slugger, slugOf, headingText, anchorsOf, linksOf, check, markdownFiles }
