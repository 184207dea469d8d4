'use strict'

// AEM's CDN keeps persisted-query answers for their `s-maxage` (7200 s by AEM's defaults) and is
// not purged on publish. With the purge key (`cache.purgeKey`, AEM's `X-AEM-Purge-Key`), an
// invalidation first purges, by AEM's CDN purge API, the URLs of the answers it reaches: softly
// (`X-AEM-Purge: soft`, the CDN revalidates) for a soft invalidation, entirely for a hard one.
// So the revalidation that follows gets AEM's answer, not the CDN's old copy. The requests go to
// the service URL's origin only, through `authFetch` (the core's rules: no header of them in any
// error or log); a failed purge is logged, and the invalidation goes on.

/** Purges sent at once. */
const AT_ONCE = 16

/**
 * @param {{authFetch: Function, serviceURL: string, purgeKey: string, log: ((level: string, event: object) => void) | null}} client
 * @param {string[]} endpoints relative to the service URL
 * @param {boolean} hard
 */
async function purge ({ authFetch, serviceURL, purgeKey, log }, endpoints, hard) {
  const origin = new URL(serviceURL).origin
  const urls = endpoints.map((endpoint) => new URL(endpoint, serviceURL)).filter((url) => url.origin === origin)
  const headers = hard ? { 'X-AEM-Purge-Key': purgeKey } : { 'X-AEM-Purge-Key': purgeKey, 'X-AEM-Purge': 'soft' }
  for (let at = 0; at < urls.length; at += AT_ONCE) {
    await Promise.all(urls.slice(at, at + AT_ONCE).map(async (url) => {
      let status
      try {
        const answer = await authFetch(url, { method: 'PURGE', headers })
        status = answer.status
        await answer.arrayBuffer().catch(() => {})
        if (answer.ok) return
      } catch {}
      if (log !== null) log('warn', { event: 'cdn-purge-failed', url: url.pathname, status, message: 'the CDN was not purged: its copy may be served until its s-maxage ends' })
    }))
  }
}

module.exports = { purge }
