// The JSON shapes of the dashboard API, as docs/api.md describes them.

export interface Session {
  organizer: string
  domain_admin: string | null
  csrf_token: string
  expires_at: string
  /** The address organizers add as a guest. Not in docs/api.md yet; shown when present. */
  inbox_address?: string
}

export type EventStatus = 'active' | 'updated' | 'cancelled'

export interface Counts {
  invitees: number
  accepted: number
  tentative: number
  declined: number
  needs_action: number
  bounced: number
}

export interface EventSummary {
  id: string
  title: string
  status: EventStatus
  start: string | null
  end: string | null
  all_day: boolean
  time_zone: string | null
  location: string | null
  sequence: number
  organizer: { email: string; name: string | null }
  public_url: string
  updated_at: string
  counts: Counts
}

export interface EventDetail extends EventSummary {
  description: string | null
  created_at: string
  ics_url: string
  embed_html: string
}

export interface Page {
  page: number
  per_page: number
  total: number
}

export interface EventList extends Page {
  events: EventSummary[]
}

export type When = 'upcoming' | 'past' | 'cancelled' | 'all'
export type EventSort = 'start' | '-start' | 'title' | '-updated'
export type Scope = 'mine' | 'domain'

export interface EventQuery {
  when?: When
  q?: string
  sort?: EventSort
  page?: number
  per_page?: number
  scope?: Scope
}

export type Track = 'response' | 'delivery' | 'reachability'

/** Every value of each track, in the order the API documents them. */
export const TRACK_VALUES: Record<Track, readonly string[]> = {
  response: ['needs-action', 'accepted', 'tentative', 'declined', 'delegated'],
  delivery: ['listed', 'queued', 'delayed', 'sent', 'delivered', 'opened', 'clicked'],
  reachability: ['ok', 'bounced', 'complained', 'unsubscribed'],
}

export interface FunnelStage {
  stage: string
  count: number
}

export interface Report {
  event: EventDetail
  /** The occurrence the numbers are for (its RECURRENCE-ID), or null for the whole series. */
  occurrence: string | null
  counts: Record<Track, Record<string, number>>
  funnel: FunnelStage[]
  by_channel: { channel: string; count: number }[]
  /** Now: standing answers, one per guest. */
  by_domain: { domain: string; invitees: number; answers: number }[]
  proposals: number
  /** What happened: every answer received, a changed one again. */
  activity: {
    answers: number
    answers_by_channel: { channel: string; count: number }[]
    proposals: number
  }
}

export type Granularity = 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year'

export interface SeriesQuery {
  track?: Track
  granularity?: Granularity
  tz?: string
  from?: string
  to?: string
  compare?: 'none' | 'previous'
  /** One occurrence of a series (response track only). */
  occurrence?: string
}

export interface Bucket {
  start: string
  label: string
  counts: Record<string, number>
}

export interface Series {
  track: Track
  granularity: Granularity
  time_zone: string
  values: string[]
  buckets: Bucket[]
  previous: Bucket[] | null
}

export interface Invitee {
  id: string
  name: string | null
  email: string
  joined_via: string
  status: { response: string; delivery: string; reachability: string }
  /** The latest new time their calendar proposed (an iTIP COUNTER), if any. */
  proposal?: { start: string | null; end: string | null; comment: string | null } | null
  /** Answers given for single occurrences that stand over the series answer, by occurrence id. */
  occurrence_answers: Record<string, string>
  /** With an occurrence filter: their answer for it, and whether they gave it for that date alone. */
  occurrence?: { id: string; response: string; own: boolean }
  created_at: string
  updated_at: string
}

export interface InviteeQuery {
  response?: string
  delivery?: string
  reachability?: string
  q?: string
  /** Only invitees who proposed another time. */
  proposed?: boolean
  /** One occurrence of a series: `response` is matched against each invitee's answer for it. */
  occurrence?: string
  page?: number
  per_page?: number
}

/** One date of a series, as `/occurrences` names it. */
export interface Occurrence {
  /** Its RECURRENCE-ID (`2037-03-10T09:00:00Z`, or a date): what filters take. */
  id: string
  planned: string | null
  start: string | null
  end: string | null
  state: 'scheduled' | 'moved' | 'cancelled'
  text: string
  /** Everyone's answer for this date: their own for it, else their series answer. */
  answers: Record<string, number>
}

export interface OccurrenceList {
  recurring: boolean
  repeats: string | null
  occurrences: Occurrence[]
  more: boolean
}

export interface InviteeList extends Page {
  invitees: Invitee[]
}

export interface Signal {
  kind: string
  value: string | null
  channel: string
  occurred_at: string
  received_at: string
  provenance: {
    message_id: string | null
    producer: string | null
    sender_auth: string | null
    note: string | null
    /** Which of Rollcall's mails a queued/sent/delayed signal is about. */
    mail?: 'invitation' | 'update' | 'cancellation' | 'answer-copy' | null
  }
  effect: string
  applied: boolean
}

export interface Timeline {
  invitee: Invitee
  signals: Signal[]
  /** The address is mailed no more for any event: why and since when. */
  suppression?: {
    reason: 'bounced' | 'complained' | 'unsubscribed'
    since: string
    event_id: string | null
    detail: string | null
    text: string
  } | null
}

export type AddResult =
  | 'added'
  | 'already-invited'
  | 'invalid-address'
  | 'unsubscribed'
  | 'rollcall-address'
  | 'quota-reached'
  | 'suppressed'

export interface AddRow {
  line: number
  input: string
  email: string | null
  name: string | null
  result: AddResult
}

export interface AddInviteesResponse {
  results: AddRow[]
  added: number
}

export interface ApiToken {
  id: string
  label: string
  created_at: string
  last_used_at: string | null
}

export interface CreatedToken {
  id: string
  label: string
  created_at: string
  token: string
}

export type ExportFile = 'invitees.csv' | 'invitees.json' | 'signals.csv' | 'signals.json'
