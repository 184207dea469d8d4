'use strict'

// What `aem-headless-rs upload` shows while it runs: on a terminal, one line redrawn (files done,
// bytes, rate, ETA); otherwise one JSON object per event, for scripts and logs.

/** How often the terminal line is redrawn, at most. */
const REDRAW_MS = 200

/**
 * @param {NodeJS.WriteStream} out where progress goes (stderr)
 * @returns {{onProgress: (event: object) => void, done: (result: object) => void}}
 */
function progressReporter (out) {
  const startedAt = Date.now()
  const state = { files: 0, done: 0, failed: 0, bytes: 0, total: 0, sent: new Map() }
  if (!out.isTTY) {
    return {
      onProgress: (event) => out.write(`${JSON.stringify(event)}\n`),
      done: () => {}
    }
  }
  let lastDrawn = 0
  const draw = (force) => {
    const now = Date.now()
    if (!force && now - lastDrawn < REDRAW_MS) return
    lastDrawn = now
    const seconds = Math.max((now - startedAt) / 1000, 0.001)
    const rate = state.bytes / seconds
    const eta = rate > 0 && state.total > state.bytes ? `, ETA ${duration((state.total - state.bytes) / rate)}` : ''
    const failed = state.failed > 0 ? `, ${state.failed} failed` : ''
    out.write(`\r\x1b[2K${state.done}/${state.files} files${failed}, ${size(state.bytes)} of ${size(state.total)}, ${size(rate)}/s${eta}`)
  }
  return {
    onProgress (event) {
      if (event.type === 'filestart') {
        state.files++
        state.total += event.fileSize ?? 0
      } else if (event.type === 'fileprogress') {
        state.bytes += event.transferred - (state.sent.get(event.targetFile) ?? 0)
        state.sent.set(event.targetFile, event.transferred)
      } else if (event.type === 'fileend') {
        state.done++
      } else if (event.type === 'fileerror') {
        state.failed++
        out.write(`\r\x1b[2K${event.targetFile}: ${event.errors.map((error) => error.message).join('; ')}\n`)
      }
      draw(event.type !== 'fileprogress')
    },
    done () {
      draw(true)
      out.write('\n')
    }
  }
}

function size (bytes) {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`
}

function duration (seconds) {
  if (seconds < 60) return `${Math.ceil(seconds)}s`
  const minutes = Math.floor(seconds / 60)
  return minutes < 60 ? `${minutes}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`
}

module.exports = { progressReporter }
