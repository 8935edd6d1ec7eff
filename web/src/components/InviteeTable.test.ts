import { describe, expect, it } from 'vitest'
import { mount, RouterLinkStub } from '@vue/test-utils'
import InviteeTable from './InviteeTable.vue'
import type { Invitee } from '../types'

function invitee(overrides: Partial<Invitee> = {}): Invitee {
  return {
    id: 'inv1',
    name: 'Ann Example',
    email: 'ann@example.org',
    joined_via: 'calendar-reply',
    status: { response: 'accepted', delivery: 'delivered', reachability: 'ok' },
    proposal: null,
    occurrence_answers: {},
    created_at: '2026-11-20T09:00:00Z',
    updated_at: '2026-11-20T09:00:00Z',
    ...overrides,
  }
}

const mountTable = (invitees: Invitee[]) =>
  mount(InviteeTable, {
    props: { eventId: 'ev1', invitees },
    global: { stubs: { RouterLink: RouterLinkStub } },
  })

describe('InviteeTable', () => {
  it('links each invitee to their timeline and shows their statuses', () => {
    const rows = mountTable([invitee(), invitee({ id: 'inv2', name: null, email: 'bo@example.net' })]).findAll(
      '[data-test="invitee-row"]',
    )
    expect(rows).toHaveLength(2)
    const link = rows[0]!.getComponent(RouterLinkStub)
    expect(link.props('to')).toEqual({ name: 'timeline', params: { id: 'ev1', inviteeId: 'inv1' } })
    expect(rows[0]!.text()).toContain('Delivered')
    expect(rows[1]!.get('[data-test="invitee-link"]').text()).toBe('bo@example.net')
  })

  it('marks an invitee whose invitation is delayed, and only them', () => {
    const rows = mountTable([
      invitee({ status: { response: 'needs-action', delivery: 'delayed', reachability: 'ok' } }),
      invitee({ id: 'inv2', email: 'bo@example.net', status: { response: 'accepted', delivery: 'sent', reachability: 'ok' } }),
    ]).findAll('[data-test="invitee-row"]')
    const delayed = rows[0]!.get('[data-test="invitee-delivery"]')
    expect(delayed.text()).toBe('Delayed')
    expect(delayed.get('[data-test="badge"]').classes()).toContain('badge-delayed')
    const sent = rows[1]!.get('[data-test="invitee-delivery"]')
    expect(sent.text()).toBe('Sent')
    expect(sent.find('[data-test="badge"]').exists()).toBe(false)
  })

  it('shows a proposed new time, as text, only where there is one', () => {
    const rows = mountTable([
      invitee({ proposal: { start: '2026-12-01T10:00:00Z', end: null, comment: '<b>later?</b>' } }),
      invitee({ id: 'inv2', email: 'bo@example.net' }),
    ]).findAll('[data-test="invitee-row"]')
    const proposal = rows[0]!.get('[data-test="invitee-proposal"]')
    expect(proposal.text()).toContain('Proposed')
    expect(proposal.text()).toContain('<b>later?</b>')
    expect(proposal.find('b').exists()).toBe(false)
    expect(rows[1]!.find('[data-test="invitee-proposal"]').exists()).toBe(false)
  })

  it('shows the answer for the chosen date, and how many dates were answered apart otherwise', () => {
    const rows = mountTable([
      invitee({ occurrence: { id: '2037-03-10T09:00:00Z', response: 'declined', own: true } }),
      invitee({ id: 'inv2', email: 'bo@example.net', occurrence: { id: '2037-03-10T09:00:00Z', response: 'accepted', own: false } }),
      invitee({ id: 'inv3', email: 'cy@example.net', occurrence_answers: { '2037-03-10T09:00:00Z': 'declined' } }),
    ]).findAll('[data-test="invitee-row"]')
    expect(rows[0]!.get('[data-test="invitee-response"]').text()).toContain('for this date')
    expect(rows[0]!.get('[data-test="badge"]').classes()).toContain('badge-declined')
    expect(rows[1]!.find('[data-test="invitee-own-date"]').exists()).toBe(false)
    expect(rows[2]!.get('[data-test="invitee-date-answers"]').text()).toBe('1 date answered apart')
  })
})
