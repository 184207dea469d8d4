#!/usr/bin/env node
// Writes docs/API.md, the API reference, from the package's hand-written TypeScript face:
// index.d.ts (CommonJS: the class, and the namespace merged into it) and index.d.mts (the ES module
// names), read with TypeScript's parser. One section per exported class, function, constant and
// type, with its signature as declared and its doc comment; a class's members each get theirs, an
// interface's members a table.
//
//   node scripts/api-reference.js           writes docs/API.md
//   node scripts/api-reference.js --check   exits 1 if docs/API.md is not what it would write
'use strict'

const fs = require('node:fs')
const path = require('node:path')
const ts = require('typescript')
const { slugger } = require('./check-links')

const ROOT = path.join(__dirname, '..')
const OUT = path.join(ROOT, 'docs', 'API.md')
const PACKAGE = require('../package.json').name

/**
 * @param {string} name a file of the package root
 * @returns {ts.SourceFile}
 */
function parse (name) {
  const file = path.join(ROOT, name)
  return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
}

/** @param {ts.Node} node */
function hasModifier (node, kind) {
  return (ts.canHaveModifiers(node) ? ts.getModifiers(node) || [] : []).some((m) => m.kind === kind)
}

/**
 * The text of a declaration as written, without its doc comment, its `export`/`declare`
 * keywords or any comment inside it, indented from its own column.
 * @param {ts.Node} node
 * @param {ts.SourceFile} source
 */
function declarationText (node, source) {
  const text = source.text
  let start = node.getStart(source)
  for (const modifier of (ts.canHaveModifiers(node) ? ts.getModifiers(node) || [] : [])) {
    if (modifier.kind === ts.SyntaxKind.ExportKeyword || modifier.kind === ts.SyntaxKind.DeclareKeyword) {
      start = ts.skipTrivia(text, modifier.end)
    }
  }
  const column = node.getStart(source) - text.lastIndexOf('\n', node.getStart(source) - 1) - 1
  const scanner = ts.createScanner(ts.ScriptTarget.Latest, false, ts.LanguageVariant.Standard, text, undefined, start, node.end - start)
  let out = ''
  for (let kind = scanner.scan(); kind !== ts.SyntaxKind.EndOfFileToken; kind = scanner.scan()) {
    if (kind === ts.SyntaxKind.MultiLineCommentTrivia || kind === ts.SyntaxKind.SingleLineCommentTrivia) continue
    out += scanner.getTokenText()
  }
  return out
    .split('\n')
    .map((line, i) => (i === 0 ? line : line.replace(new RegExp(`^ {0,${column}}`), '')).trimEnd())
    .filter((line, i, lines) => line !== '' || (i > 0 && lines[i - 1] !== ''))
    .join('\n')
    .trim()
}

/** Prints declarations without comments, for one-line use. */
const printer = ts.createPrinter({ removeComments: true })

/**
 * A member on one line, as TypeScript prints it (members of type literals separated by `;`).
 * @param {ts.Node} node
 * @param {ts.SourceFile} source
 */
function memberLine (node, source) {
  return oneLine(printer.printNode(ts.EmitHint.Unspecified, node, source))
    .replace(/;\s*}/g, ' }')
    .replace(/;$/, '')
}

/** One line: every run of white space a single space. */
function oneLine (text) {
  return text.replace(/\s+/g, ' ').replace(/\(\s/g, '(').replace(/\s\)/g, ')').trim()
}

/**
 * A node's doc comment: its text, and its `@param` (and other) tags.
 * @param {ts.Node} node
 * @returns {{text: string, params: {name: string, text: string}[], tags: {name: string, text: string}[]}}
 */
function docOf (node) {
  const docs = (node.jsDoc || []).filter((doc) => doc.kind === ts.SyntaxKind.JSDoc)
  const doc = docs[docs.length - 1]
  const result = { text: '', params: [], tags: [] }
  if (!doc) return result
  result.text = (ts.getTextOfJSDocComment(doc.comment) || '').trim()
  for (const tag of doc.tags || []) {
    const text = (ts.getTextOfJSDocComment(tag.comment) || '').trim().replace(/^-\s*/, '')
    if (ts.isJSDocParameterTag(tag)) result.params.push({ name: tag.name.getText(), text })
    else result.tags.push({ name: tag.tagName.text, text })
  }
  return result
}

/** A doc comment as Markdown paragraphs, `@param`s as a list. */
function docMarkdown (doc) {
  const parts = []
  if (doc.text) parts.push(doc.text)
  if (doc.params.length > 0) parts.push(doc.params.map((p) => `- \`${p.name}\`: ${p.text}`).join('\n'))
  for (const tag of doc.tags) parts.push(`*@${tag.name}* ${tag.text}`)
  return parts.join('\n\n')
}

/** A doc comment in a table cell: one line, pipes escaped. */
function docCell (doc) {
  const params = doc.params.map((p) => `\`${p.name}\`: ${p.text}`)
  return cell([doc.text, ...params].filter(Boolean).join(' '))
}

/** Text for a table cell: one line, `|` escaped (also inside code, as GitHub asks). */
function cell (text) {
  return oneLine(text).replace(/\|/g, '\\|')
}

/** A TypeScript code block. */
function codeBlock (text) {
  return '```ts\n' + text + '\n```'
}

/** The name of a member or declaration. */
function nameOf (node) {
  if (ts.isConstructorDeclaration(node)) return 'constructor'
  if (ts.isIndexSignatureDeclaration(node)) return '[index]'
  if (ts.isCallSignatureDeclaration(node)) return '()'
  if (ts.isConstructSignatureDeclaration(node)) return 'new ()'
  if (ts.isVariableStatement(node)) return node.declarationList.declarations[0].name.getText()
  return node.name.getText()
}

/** Whether a class member is a method, or a property holding a function (as `authFetch`). */
function isCallable (member) {
  return ts.isMethodDeclaration(member) || ts.isConstructorDeclaration(member) ||
    (ts.isPropertyDeclaration(member) && member.type !== undefined && ts.isFunctionTypeNode(member.type))
}

/**
 * The names index.d.mts exports: `default`, and each named export as a value, a type or both.
 * @param {ts.SourceFile} mts
 * @returns {{defaultExport: string | null, values: Set<string>, types: Set<string>}}
 */
function esmExports (mts) {
  const values = new Set()
  const types = new Set()
  let defaultExport = null
  for (const statement of mts.statements) {
    if (ts.isExportAssignment(statement) && !statement.isExportEquals) defaultExport = statement.expression.getText(mts)
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) (statement.isTypeOnly ? types : values).add(element.name.text)
    }
    if (!hasModifier(statement, ts.SyntaxKind.ExportKeyword)) continue
    if (ts.isVariableStatement(statement)) for (const d of statement.declarationList.declarations) values.add(d.name.getText(mts))
    if (ts.isTypeAliasDeclaration(statement) || ts.isInterfaceDeclaration(statement)) types.add(statement.name.text)
    if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) values.add(statement.name.text)
  }
  return { defaultExport, values, types }
}

/**
 * What index.d.ts exports: the `export =` target and its namespace's exported declarations.
 * @param {ts.SourceFile} dts
 */
function cjsExports (dts) {
  const assignment = dts.statements.find((s) => ts.isExportAssignment(s) && s.isExportEquals)
  if (!assignment) throw new Error('index.d.ts has no `export =`')
  const root = assignment.expression.getText(dts)
  const rootClass = dts.statements.find((s) => ts.isClassDeclaration(s) && s.name && s.name.text === root)
  const namespace = dts.statements.find((s) => ts.isModuleDeclaration(s) && s.name.text === root)
  const members = []
  if (namespace && namespace.body && ts.isModuleBlock(namespace.body)) {
    for (const statement of namespace.body.statements) {
      if (hasModifier(statement, ts.SyntaxKind.ExportKeyword)) members.push(statement)
    }
  }
  return { root, rootClass, members }
}

/** The kind of a declaration, for contents and headings. */
function kindOf (node) {
  if (ts.isClassDeclaration(node)) return 'class'
  if (ts.isFunctionDeclaration(node)) return 'function'
  if (ts.isVariableStatement(node)) return 'constant'
  if (ts.isInterfaceDeclaration(node)) return 'interface'
  if (ts.isTypeAliasDeclaration(node)) return 'type'
  return 'declaration'
}

/**
 * The Markdown of docs/API.md.
 * @returns {string}
 */
function render (known = new Map(), pass = 1) {
  const dts = parse('index.d.ts')
  const mts = parse('index.d.mts')
  const esm = esmExports(mts)
  const { root, rootClass, members } = cjsExports(dts)
  const slug = slugger()
  const out = []
  /** The id of each declaration's heading: from the previous pass, so that links may go forward. */
  const anchors = new Map(known)
  const seen = new Map()
  const heading = (level, text, name) => {
    const id = slug(text.replace(/`/g, ''))
    out.push(`${'#'.repeat(level)} ${text}`, '')
    if (name !== undefined) seen.set(name, id)
    return id
  }

  /** How a name of the namespace is reached from each module system. */
  const reach = (name, isType) => {
    const cjs = `\`${root}.${name}\``
    let mjs
    if (isType) mjs = esm.types.has(name) ? `\`import type { ${name} } from '${PACKAGE}'\`` : `\`${root}.${name}\` of the default export`
    else mjs = esm.values.has(name) ? `\`import { ${name} } from '${PACKAGE}'\`` : `\`${root}.${name}\` of the default export`
    return `CommonJS: ${cjs}${isType ? ' (a type of the namespace)' : ''}. ES module: ${mjs}.`
  }

  /** A class: its doc, heritage, then each member (callables as sections, fields as a table). */
  const renderClass = (node, level, reachText) => {
    const doc = docOf(node)
    const heritage = (node.heritageClauses || []).map((h) => oneLine(h.getText(dts))).join(' ')
    out.push(`${reachText}`, '')
    if (doc.text) out.push(docMarkdown(doc), '')
    out.push(codeBlock(`class ${node.name.text}${node.typeParameters ? `<${node.typeParameters.map((t) => t.getText(dts)).join(', ')}>` : ''}${heritage ? ` ${heritage}` : ''}`), '')
    const fields = node.members.filter((m) => !isCallable(m))
    if (fields.length > 0) {
      out.push('| property | meaning |', '|---|---|')
      for (const field of fields) out.push(`| \`${cell(memberLine(field, dts))}\` | ${docCell(docOf(field))} |`)
      out.push('')
    }
    const groups = new Map()
    for (const member of node.members.filter(isCallable)) {
      const name = nameOf(member)
      if (!groups.has(name)) groups.set(name, [])
      groups.get(name).push(member)
    }
    for (const [name, overloads] of groups) {
      const isStatic = hasModifier(overloads[0], ts.SyntaxKind.StaticKeyword)
      const title = name === 'constructor' ? `new ${node.name.text}()` : `${isStatic ? `${node.name.text}.` : ''}${name}()`
      heading(level + 1, `\`${title}\``)
      for (const overload of overloads) {
        out.push(codeBlock(declarationText(overload, dts)), '')
        const text = docMarkdown(docOf(overload))
        if (text) out.push(text, '')
      }
    }
  }

  /** An interface: its doc, heritage, and a table of its members. */
  const renderInterface = (node) => {
    const doc = docOf(node)
    if (doc.text) out.push(docMarkdown(doc), '')
    const typeParameters = node.typeParameters ? `<${node.typeParameters.map((t) => t.getText(dts)).join(', ')}>` : ''
    const heritage = (node.heritageClauses || []).map((h) => oneLine(h.getText(dts))).join(' ')
    if (heritage) {
      const bases = node.heritageClauses.flatMap((h) => h.types.map((t) => t.expression.getText(dts)))
      out.push(`\`interface ${node.name.text}${typeParameters} ${heritage}\`: it has every member of ${bases.map((b) => anchors.has(b) ? `[\`${b}\`](#${anchors.get(b)})` : `\`${b}\``).join(', ')}, and these.`, '')
    } else if (typeParameters) {
      out.push(`\`interface ${node.name.text}${typeParameters}\``, '')
    }
    if (node.members.length === 0) return
    out.push('| member | meaning |', '|---|---|')
    for (const member of node.members) out.push(`| \`${cell(memberLine(member, dts))}\` | ${docCell(docOf(member))} |`)
    out.push('')
  }

  // What the sections will be, in order: the class, then the namespace's classes, functions,
  // constants and types, each group in the order of index.d.ts.
  const order = ['class', 'function', 'constant', 'interface', 'type']
  const sections = [...members].sort((a, b) => order.indexOf(kindOf(a)) - order.indexOf(kindOf(b)))

  heading(1, 'API reference')
  out.push(
    `<!-- Generated by scripts/api-reference.js from index.d.ts and index.d.mts: edit their doc comments, then run \`node scripts/api-reference.js\`. -->`,
    '',
    'Every class, function, constant and type of the package, with its signature as `index.d.ts`',
    'declares it and its doc comment. The [guides](../README.md#documentation) say how they work',
    'together; the [client guide](CLIENT.md) has examples of each method.',
    ''
  )
  heading(2, 'Importing')
  const valueNames = sections.filter((n) => !['interface', 'type'].includes(kindOf(n))).map(nameOf)
  const named = valueNames.filter((n) => esm.values.has(n))
  // The names the example shows: the usual ones, where the package has them.
  const shown = ['getToken', 'TokenProvider', 'ErrorCodes'].filter((n) => valueNames.includes(n))
  const shownEsm = shown.filter((n) => esm.values.has(n))
  const typeNames = sections.filter((n) => kindOf(n) === 'interface' || kindOf(n) === 'type').map(nameOf)
  const someType = typeNames.includes(`${root}Config`) ? `${root}Config` : typeNames[0]
  out.push(
    '```js',
    `const ${root} = require('${PACKAGE}') // the class; everything below is also a property of it`,
    `const { ${[root, ...shown].join(', ')} } = require('${PACKAGE}')`,
    `// or, from an ES module (index.d.mts):`,
    `import ${esm.defaultExport || root}, { ${shownEsm.join(', ')} } from '${PACKAGE}'`,
    '```',
    '',
    `CommonJS gets \`${root}\`, the class, with every function, constant and class below as a property, and`,
    `every type as a member of the \`${root}\` namespace (\`${root}.${someType}\`). An ES module gets`,
    `the class as the default export, and the rest by name: ${[root, ...named].map((n) => `\`${n}\``).join(', ')};`,
    `types with \`import type\`.`,
    ''
  )
  heading(2, 'Contents')
  out.push(`- ${kindLabel('class')}: [\`${root}\`](#${anchors.get(root)})${sections.filter((n) => kindOf(n) === 'class').map((n) => `, [\`${nameOf(n)}\`](#${anchors.get(nameOf(n))})`).join('')}`)
  for (const kind of order.slice(1)) {
    const names = sections.filter((n) => kindOf(n) === kind).map(nameOf)
    if (names.length > 0) out.push(`- ${kindLabel(kind)}: ${names.map((n) => `[\`${n}\`](#${anchors.get(n)})`).join(', ')}`)
  }
  out.push('')

  heading(2, 'Classes')
  heading(3, root, root)
  renderClass(rootClass, 3, `CommonJS: \`require('${PACKAGE}')\` itself, and \`.${root}\` of it. ES module: \`import ${esm.defaultExport || root} from '${PACKAGE}'\`${esm.values.has(root) ? ` or \`import { ${root} }\`` : ''}.`)

  let group = 'class'
  for (const node of sections) {
    const kind = kindOf(node)
    if (kind !== group) {
      group = kind
      heading(2, groupTitle(kind))
    }
    const name = nameOf(node)
    heading(3, name, name)
    const isType = kind === 'interface' || kind === 'type'
    if (kind === 'class') {
      renderClass(node, 3, reach(name, false))
      continue
    }
    out.push(reach(name, isType), '')
    if (kind === 'interface') {
      renderInterface(node)
      continue
    }
    out.push(codeBlock(declarationText(node, dts)), '')
    const text = docMarkdown(docOf(node))
    if (text) out.push(text, '')
  }
  const markdown = out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n'
  // A second pass when an id was not known yet (or moved): it then links to every heading.
  const moved = [...seen].some(([name, id]) => known.get(name) !== id)
  if (moved && pass > 2) throw new Error('the headings\' ids do not settle')
  return moved ? render(seen, pass + 1) : markdown
}

/** The title of a group of sections. */
function groupTitle (kind) {
  return { function: 'Functions', constant: 'Constants', interface: 'Interfaces', type: 'Types' }[kind]
}

/** The label of a group in the contents. */
function kindLabel (kind) {
  return { class: 'Classes', function: 'Functions', constant: 'Constants', interface: 'Interfaces', type: 'Types' }[kind]
}

function main () {
  const markdown = render()
  const relative = path.relative(ROOT, OUT)
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(OUT) ? fs.readFileSync(OUT, 'utf8') : null
    if (current !== markdown) {
      console.error(`${relative} is out of date with index.d.ts and index.d.mts: run node scripts/api-reference.js`)
      process.exitCode = 1
      return
    }
    console.log(`${relative} is up to date`)
    return
  }
  fs.writeFileSync(OUT, markdown)
  console.log(`wrote ${relative}`)
}

if (require.main === module) main()

module.exports = { render }
