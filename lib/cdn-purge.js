'use strict'

// AEM's CDN keeps persisted-query answers for their `s-maxage` (7200 s by AEM's defaults) and is
// not purged on publish. With the purge key (`cache.purgeKey`, AEM's `X-AEM-Purge-Key`), an
// invalidation first purges, by AEM's CDN purge API, the URLs of the answers it reaches. The purge
// is never soft: a soft-purged copy is still served (stale) while the CDN revalidates it, and the
// revalidation that follows here would get it back. The requests go to the service URL's origin
// only, through `authFetch` with no redirect followed (the key is a credential to the core: never
// sent to another origin, never in an error or log); a failed purge is logged, and the
// invalidation goes on.

/** Purges sent at once. */
const AT_ONCE = 16

/**
 * @param {{authFetch: Function, serviceURL: string, purgeKey: string, log: ((level: string, event: object) => void) | null}} client
 * @param {string[]} endpoints relative to the service URL
 */
async function purge ({ authFetch, serviceURL, purgeKey, log }, endpoints) {
  const origin = new URL(serviceURL).origin
  const urls = endpoints.map((endpoint) => new URL(endpoint, serviceURL)).filter((url) => url.origin === origin)
  const headers = { 'X-AEM-Purge-Key': purgeKey }
  for (let at = 0; at < urls.length; at += AT_ONCE) {
    await Promise.all(urls.slice(at, at + AT_ONCE).map(async (url) => {
      let status
      try {
        // No redirect is followed: the key is for this origin's CDN only (the core also keeps it, a credential, from any other).
        const answer = await authFetch(url, { method: 'PURGE', headers, redirect: 'manual' })
        status = answer.status
        await answer.arrayBuffer().catch(() => {})
        if (answer.status >= 200 && answer.status < 300) return
      } catch {}
      if (log !== null) log('warn', { event: 'cdn-purge-failed', url: url.pathname, status, message: 'the CDN was not purged: its copy may be served until its s-maxage ends' })
    }))
  }
}

module.exports = { purge }
