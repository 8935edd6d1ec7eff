// Lists keep their filters and page in the URL, so reload, back and shared links keep them.

import type { LocationQuery, LocationQueryRaw } from 'vue-router'

/** The query parameter `key` as text ('' when absent or repeated). */
export function queryText(query: LocationQuery, key: string): string {
  const value = query[key]
  return typeof value === 'string' ? value : ''
}

/** The 1-based page the query names (1 when absent or not a number). */
export function queryPage(query: LocationQuery): number {
  return Math.max(1, Number.parseInt(queryText(query, 'page'), 10) || 1)
}

/** `query` with `changes` applied, back on the first page, without empty parameters. */
export function withChanges(query: LocationQuery, changes: LocationQueryRaw): LocationQueryRaw {
  const next: LocationQueryRaw = { ...query, page: undefined, ...changes }
  for (const key of Object.keys(next)) if (next[key] === '' || next[key] === undefined) delete next[key]
  return next
}
