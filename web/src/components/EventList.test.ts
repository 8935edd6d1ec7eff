import { describe, expect, it } from 'vitest'
import { mount, RouterLinkStub } from '@vue/test-utils'
import EventList from './EventList.vue'
import type { EventSummary } from '../types'

function event(overrides: Partial<EventSummary> = {}): EventSummary {
  return {
    id: 'k3m9x2p7q4rz',
    title: 'Compiler team planning',
    status: 'active',
    start: '2027-03-04T16:00:00Z',
    end: '2027-03-04T17:00:00Z',
    all_day: false,
    time_zone: 'Europe/Paris',
    location: 'Room 4',
    sequence: 0,
    organizer: { email: 'grace@example.com', name: 'Grace Hopper' },
    public_url: 'https://rsvp.example.org/e/k3m9x2p7q4rz',
    updated_at: '2026-11-23T10:00:00Z',
    counts: { invitees: 12, accepted: 5, tentative: 1, declined: 2, needs_action: 4, bounced: 0 },
    ...overrides,
  }
}

const mountList = (props: Partial<InstanceType<typeof EventList>['$props']>) =>
  mount(EventList, {
    props: { events: [], filtered: false, inboxAddress: 'invites@rollcall.test', ...props },
    global: { stubs: { RouterLink: RouterLinkStub } },
  })

describe('EventList', () => {
  it('shows one row per event with its title, link, status and counts', () => {
    const wrapper = mountList({
      events: [event(), event({ id: 'zz9', title: 'Retro', status: 'cancelled', counts: { ...event().counts, invitees: 3, accepted: 0 } })],
    })
    const rows = wrapper.findAll('[data-test="event-row"]')
    expect(rows).toHaveLength(2)
    expect(rows[0]!.text()).toContain('Compiler team planning')
    expect(rows[0]!.get('[data-test="count-invitees"]').text()).toBe('12')
    expect(rows[0]!.get('[data-test="count-accepted"]').text()).toBe('5')
    expect(rows[0]!.get('[data-test="count-declined"]').text()).toBe('2')
    expect(rows[0]!.get('[data-test="badge"]').text()).toBe('Active')
    expect(rows[1]!.get('[data-test="badge"]').text()).toBe('Cancelled')
    expect(rows[1]!.get('[data-test="count-invitees"]').text()).toBe('3')
    expect(rows[1]!.attributes('data-event-id')).toBe('zz9')
    const link = wrapper.findAllComponents(RouterLinkStub)[0]!
    expect(link.props('to')).toEqual({ name: 'event', params: { id: 'k3m9x2p7q4rz' } })
  })

  it('shows the start in a readable form with a machine-readable datetime', () => {
    const when = mountList({ events: [event()] }).get('[data-test="event-when"]')
    expect(when.attributes('datetime')).toBe('2027-03-04T16:00:00Z')
    expect(when.text()).toMatch(/2027/)
    expect(when.text()).toContain('–')
  })

  it('explains how to create the first event when there is none', () => {
    const wrapper = mountList({ events: [] })
    expect(wrapper.find('[data-test="event-row"]').exists()).toBe(false)
    const empty = wrapper.get('[data-test="empty"]').text()
    expect(empty).toContain('No events yet')
    expect(empty).toContain('invites@rollcall.test')
  })

  it('says nothing matches when a filter hides every event', () => {
    const empty = mountList({ events: [], filtered: true }).get('[data-test="empty"]').text()
    expect(empty).toContain('No events match')
    expect(empty).not.toContain('invites@')
  })
})
