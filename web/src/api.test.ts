import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  addInvitees,
  ApiError,
  buildQuery,
  exportUrl,
  forgetSession,
  getSession,
  listEvents,
  listInvitees,
  onSignedOut,
  requestSignInLink,
  revokeToken,
} from './api'

const SESSION = { organizer: 'grace@example.com', domain_admin: null, csrf_token: 'csrf-1', expires_at: '2027-01-01T00:00:00Z' }

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  })
}

/** A fetch that answers by "METHOD path" from `routes`, recording every call. */
function mockFetch(routes: Record<string, () => Response>) {
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://dashboard.test')
    const key = `${init?.method ?? 'GET'} ${url.pathname}`
    const answer = routes[key]
    if (!answer) throw new Error(`unexpected request ${key}`)
    return answer()
  })
  vi.stubGlobal('fetch', fetch)
  return fetch
}

const headersOf = (call: unknown[]) => (call[1] as RequestInit).headers as Record<string, string>

beforeEach(() => {
  forgetSession()
  onSignedOut(null)
})
afterEach(() => vi.unstubAllGlobals())

describe('buildQuery', () => {
  it('leaves out empty and missing values and encodes the rest', () => {
    expect(buildQuery({ when: 'past', q: 'R&D team', page: 2, sort: '', scope: undefined, x: null })).toBe(
      '?when=past&q=R%26D+team&page=2',
    )
  })

  it('is empty when nothing is set', () => {
    expect(buildQuery({ q: '' })).toBe('')
    expect(buildQuery()).toBe('')
  })
})

describe('requests', () => {
  it('send the session cookie and pass the query of a list', async () => {
    const fetch = mockFetch({ 'GET /api/v1/events': () => json(200, { events: [], page: 1, per_page: 20, total: 0 }) })
    await listEvents({ when: 'upcoming', q: 'planning', page: 3, scope: 'domain' })
    const [url, init] = fetch.mock.calls[0]!
    expect(url).toBe('/api/v1/events?when=upcoming&q=planning&page=3&scope=domain')
    expect((init as RequestInit).credentials).toBe('same-origin')
  })

  it('put filter values of invitees in the query', async () => {
    const fetch = mockFetch({ 'GET /api/v1/events/ev1/invitees': () => json(200, { invitees: [], page: 1, per_page: 50, total: 0 }) })
    await listInvitees('ev1', { response: 'accepted', delivery: '', q: 'ann' })
    expect(fetch.mock.calls[0]![0]).toBe('/api/v1/events/ev1/invitees?response=accepted&q=ann')
  })

  it('carry no CSRF token on reads', async () => {
    const fetch = mockFetch({ 'GET /api/v1/events': () => json(200, { events: [], page: 1, per_page: 20, total: 0 }) })
    await listEvents()
    expect(headersOf(fetch.mock.calls[0]!)['X-CSRF-Token']).toBeUndefined()
  })

  it('carry the session CSRF token on every write, reading the session once', async () => {
    const fetch = mockFetch({
      'GET /api/v1/session': () => json(200, SESSION),
      'POST /api/v1/events/ev1/invitees': () => json(200, { results: [], added: 0 }),
      'DELETE /api/v1/tokens/t1': () => json(204, null),
    })
    await addInvitees('ev1', 'ann@example.org')
    await revokeToken('t1')
    const writes = fetch.mock.calls.filter((call) => (call[1] as RequestInit).method !== 'GET')
    expect(writes).toHaveLength(2)
    for (const call of writes) expect(headersOf(call)['X-CSRF-Token']).toBe('csrf-1')
    expect(fetch.mock.calls.filter((call) => String(call[0]) === '/api/v1/session')).toHaveLength(1)
    expect(JSON.parse((writes[0]![1] as RequestInit).body as string)).toEqual({ text: 'ann@example.org' })
    expect(headersOf(writes[0]!)['Content-Type']).toBe('application/json')
  })

  it('ask for a sign-in link without a session', async () => {
    const fetch = mockFetch({
      'POST /api/v1/session/link': () => json(202, { message: 'If grace@example.com has events here, a link is on its way.' }),
    })
    const answer = await requestSignInLink('grace@example.com')
    expect(answer.message).toContain('a link is on its way')
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(headersOf(fetch.mock.calls[0]!)['X-CSRF-Token']).toBeUndefined()
  })

  it('read the session again and retry once when the CSRF token is stale', async () => {
    let sessions = 0
    let posts = 0
    const fetch = mockFetch({
      'GET /api/v1/session': () => json(200, { ...SESSION, csrf_token: `csrf-${++sessions}` }),
      'POST /api/v1/events/ev1/invitees': () =>
        ++posts === 1 ? json(403, { error: 'csrf', message: 'Reload the page.' }) : json(200, { results: [], added: 0 }),
    })
    await addInvitees('ev1', 'x@example.org')
    const posted = fetch.mock.calls.filter((call) => (call[1] as RequestInit).method === 'POST')
    expect(posted.map((call) => headersOf(call)['X-CSRF-Token'])).toEqual(['csrf-1', 'csrf-2'])
  })

  it('build export links under the API', () => {
    expect(exportUrl('ev 1', 'signals.csv')).toBe('/api/v1/events/ev%201/export/signals.csv')
  })
})

describe('errors', () => {
  it('become an ApiError with the status, code and message of the body', async () => {
    mockFetch({ 'GET /api/v1/events': () => json(404, { error: 'not-found', message: 'No such event.' }) })
    const error = await listEvents().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 404, code: 'not-found', message: 'No such event.' })
  })

  it('keep Retry-After of a rate limit', async () => {
    mockFetch({
      'POST /api/v1/session/link': () =>
        json(429, { error: 'rate-limited', message: 'Too many sign-in links.' }, { 'Retry-After': '120' }),
    })
    await expect(requestSignInLink('a@example.com')).rejects.toMatchObject({ status: 429, code: 'rate-limited', retryAfter: 120 })
  })

  it('from a body that is not JSON still say what happened', async () => {
    mockFetch({ 'GET /api/v1/events': () => new Response('<html>Bad gateway</html>', { status: 502 }) })
    await expect(listEvents()).rejects.toMatchObject({ status: 502, code: 'unknown', message: expect.stringContaining('502') })
  })

  it('of the network become status 0', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    await expect(listEvents()).rejects.toMatchObject({ status: 0, code: 'network' })
  })

  it('401 calls the signed-out handler and forgets the session', async () => {
    const signedOut = vi.fn()
    onSignedOut(signedOut)
    let signedIn = true
    mockFetch({
      'GET /api/v1/session': () => (signedIn ? json(200, SESSION) : json(401, { error: 'signed-out', message: 'Sign in.' })),
      'GET /api/v1/events': () => json(401, { error: 'signed-out', message: 'Your session has ended.' }),
    })
    await getSession()
    await expect(listEvents()).rejects.toMatchObject({ status: 401, code: 'signed-out' })
    expect(signedOut).toHaveBeenCalledTimes(1)
    signedIn = false
    // The cached session is gone: the next read asks the server again and hears 401 too.
    await expect(getSession()).rejects.toMatchObject({ status: 401 })
    expect(signedOut).toHaveBeenCalledTimes(2)
  })

  it('other statuses do not sign the user out', async () => {
    const signedOut = vi.fn()
    onSignedOut(signedOut)
    mockFetch({ 'GET /api/v1/events': () => json(503, { error: 'unavailable', message: 'Down for a moment.' }) })
    await expect(listEvents()).rejects.toMatchObject({ status: 503 })
    expect(signedOut).not.toHaveBeenCalled()
  })
})
