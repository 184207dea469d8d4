'use strict'

/**
 * The WKND-like magazine articles the emulator serves: 57 items made by a deterministic function
 * (no randomness, no clock), so every run gives the same output.
 * @module emulator/articles
 */

const COUNT = 57

/** Title prefixes and subjects; 9 × 7 coprime lengths give 63 distinct titles, 57 of them used. */
const PREFIXES = [
  ['Field Notes', 'Notes written on the road, between one campsite and the next.'],
  ['Insider Guide', 'Local guides share what they would tell a friend.'],
  ['First Timer', 'Everything we wish we had known before the first trip.'],
  ['Gear Check', 'What to pack, what to rent on site and what to leave at home.'],
  ['Local Voices', 'The people who live there tell the story in their own words.'],
  ['Weekend Escape', 'A plan that fits between Friday evening and Sunday night.'],
  ['Photo Essay', 'Light, weather and the best spots for the camera.'],
  ['Trail Diary', 'A day-by-day account, blisters and all.'],
  ['Off Season', 'Fewer crowds, lower prices and a very different mood.']
]
const SUBJECTS = [
  ['Surfing the Algarve', 'The Atlantic swell reaches the south coast of Portugal almost every day of the year.'],
  ['Hut to Hut in the Alps', 'Mountain huts a day\'s walk apart make long traverses possible with a light pack.'],
  ['Kayaking Glacier Bay', 'Paddling among icebergs calls for calm water, a good guide and warm layers.'],
  ['Cycling the Danube', 'A flat riverside path links villages, vineyards and capital cities.'],
  ['Climbing in Kalymnos', 'Limestone caves and tufas above a turquoise sea draw climbers from everywhere.'],
  ['Skiing Hokkaido Powder', 'Cold air from Siberia turns into some of the lightest snow on the planet.'],
  ['Trekking Torres del Paine', 'Granite towers, glaciers and famous winds shape every day on the trail.']
]
const AUTHORS = ['Ian Provo', 'Stacey Roswells', 'Jacob Wester', 'Kumar Selvaraj', 'Sofia Sjöberg']

/** @param {string} text @returns {string} lower-case words joined by `-` */
function slugify (text) {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')
}

/**
 * Builds article number `n` (1-based) as AEM's GraphQL returns it.
 * @param {number} n 1 … 57
 * @returns {{_path: string, title: string, slug: string, author: string,
 *   main: {html: string, plaintext: string}, publishDate: string}}
 */
function buildArticle (n) {
  const nn = String(n).padStart(2, '0')
  const [prefix, prefixText] = PREFIXES[(n - 1) % PREFIXES.length]
  const [subject, subjectText] = SUBJECTS[(n - 1) % SUBJECTS.length]
  const title = `${prefix}: ${subject}`
  const author = AUTHORS[(n - 1) % AUTHORS.length]
  // One article every six days from 2024-01-05 (UTC, so independent of the local time zone).
  const publishDate = new Date(Date.UTC(2024, 0, 5 + (n - 1) * 6)).toISOString().slice(0, 10)
  const paragraphs = [subjectText, prefixText, `Issue ${nn} of the WKND magazine, by ${author}.`]
  return {
    _path: `/content/dam/wknd-shared/en/magazine/article-${nn}`,
    title,
    slug: `${slugify(title)}-${nn}`,
    author,
    main: {
      html: paragraphs.map((p) => `<p>${p}</p>`).join(''),
      plaintext: paragraphs.join('\n\n')
    },
    publishDate
  }
}

/**
 * Lists the 57 articles in a fixed order (article-01 … article-57, oldest first).
 * @returns {object[]}
 */
function listArticles () {
  return Array.from({ length: COUNT }, (_, i) => buildArticle(i + 1))
}

module.exports = { listArticles }
