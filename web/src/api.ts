// The one way the dashboard talks to Rollcall: typed functions over `fetch`, the session's CSRF
// token on every write, and every failure turned into an ApiError with the server's message.

import type {
  AddInviteesResponse,
  ApiToken,
  CreatedToken,
  EventDetail,
  EventList,
  EventQuery,
  ExportFile,
  InviteeList,
  InviteeQuery,
  OccurrenceList,
  Report,
  Series,
  SeriesQuery,
  Session,
  Timeline,
} from './types'

export const API_BASE = '/api/v1'

/** A failed request: `status` 0 means the server could not be reached at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds, from `Retry-After` on a 429. */
    readonly retryAfter: number | null = null,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

type QueryValue = string | number | boolean | null | undefined
export type Query = Record<string, QueryValue>

/** `?a=1&b=x` from the set values of `query` (empty strings and nullish values left out). */
export function buildQuery(query: Query = {}): string {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue
    params.append(key, String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

let session: Promise<Session> | null = null
let signedOutHandler: (() => void) | null = null

/** Called whenever any answer is a 401: the router sends the user to the sign-in page. */
export function onSignedOut(handler: (() => void) | null): void {
  signedOutHandler = handler
}

/** The session, fetched once and shared; a failed fetch is not kept. */
export function getSession(): Promise<Session> {
  if (!session) {
    session = request<Session>('GET', '/session')
    session.catch(() => {
      session = null
    })
  }
  return session
}

export function forgetSession(): void {
  session = null
}

interface Options {
  query?: Query
  body?: unknown
  /** Sent without a session (and so without a CSRF token). */
  anonymous?: boolean
}

async function request<T>(method: string, path: string, options: Options = {}, retried = false): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (options.body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && !options.anonymous) {
    // A session always has one; only API-token callers (not the dashboard) get null.
    const csrf = (await getSession()).csrf_token
    if (csrf) headers['X-CSRF-Token'] = csrf
  }
  let response: Response
  try {
    response = await fetch(API_BASE + path + buildQuery(options.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    })
  } catch {
    throw new ApiError(0, 'network', 'Rollcall could not be reached. Check your connection and try again.')
  }
  if (response.ok) {
    if (response.status === 204) return undefined as T
    return (await response.json()) as T
  }
  const error = await errorOf(response)
  if (error.status === 401) {
    forgetSession()
    signedOutHandler?.()
  } else if (error.code === 'csrf' && !options.anonymous && !retried) {
    // The session was renewed since we read its token: read it again and try once more.
    forgetSession()
    return request<T>(method, path, options, true)
  }
  throw error
}

async function errorOf(response: Response): Promise<ApiError> {
  const retryAfter = Number.parseInt(response.headers.get('Retry-After') ?? '', 10)
  let code = 'unknown'
  let message = `Rollcall answered with an error (HTTP ${response.status}).`
  try {
    const body: unknown = await response.json()
    if (body && typeof body === 'object') {
      const fields = body as { error?: unknown; message?: unknown }
      if (typeof fields.error === 'string') code = fields.error
      if (typeof fields.message === 'string' && fields.message) message = fields.message
    }
  } catch {
    // Not JSON (a proxy's error page): keep the generic message.
  }
  return new ApiError(response.status, code, message, Number.isFinite(retryAfter) ? retryAfter : null)
}

const event = (id: string) => `/events/${encodeURIComponent(id)}`

export const requestSignInLink = (email: string) =>
  request<{ message: string }>('POST', '/session/link', { body: { email }, anonymous: true })

export async function signOut(): Promise<void> {
  await request<void>('DELETE', '/session')
  forgetSession()
}

export const listEvents = (query: EventQuery = {}) =>
  request<EventList>('GET', '/events', { query: { ...query } })

export const getEvent = (id: string) => request<EventDetail>('GET', event(id))

export const getReport = (id: string, occurrence = '') =>
  request<Report>('GET', `${event(id)}/report`, { query: { occurrence } })

export const listOccurrences = (id: string) =>
  request<OccurrenceList>('GET', `${event(id)}/occurrences`, { query: { limit: 500 } })

export const getSeries = (id: string, query: SeriesQuery = {}) =>
  request<Series>('GET', `${event(id)}/series`, { query: { ...query } })

export const listInvitees = (id: string, query: InviteeQuery = {}) =>
  request<InviteeList>('GET', `${event(id)}/invitees`, { query: { ...query } })

export const getTimeline = (id: string, inviteeId: string) =>
  request<Timeline>('GET', `${event(id)}/invitees/${encodeURIComponent(inviteeId)}/timeline`)

export const addInvitees = (id: string, text: string) =>
  request<AddInviteesResponse>('POST', `${event(id)}/invitees`, { body: { text } })

/** A plain link: the browser downloads it with the session cookie. */
export const exportUrl = (id: string, file: ExportFile, occurrence = '') =>
  `${API_BASE}${event(id)}/export/${file}${buildQuery({ occurrence })}`

export const listTokens = () => request<{ tokens: ApiToken[] }>('GET', '/tokens')

export const createToken = (label: string) => request<CreatedToken>('POST', '/tokens', { body: { label } })

export const revokeToken = (id: string) => request<void>('DELETE', `/tokens/${encodeURIComponent(id)}`)
