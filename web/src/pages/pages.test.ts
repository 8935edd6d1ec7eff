import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createMemoryHistory, createRouter } from 'vue-router'
import { routes } from '../router'
import * as api from '../api'
import Events from './Events.vue'
import AddInvitees from './AddInvitees.vue'
import Share from './Share.vue'
import type { EventDetail } from '../types'

vi.mock('../api', async (original) => {
  const real = await original<typeof import('../api')>()
  return {
    ...real,
    getSession: vi.fn(),
    listEvents: vi.fn(),
    getEvent: vi.fn(),
    addInvitees: vi.fn(),
  }
})
const mocked = vi.mocked(api)

const detail: EventDetail = {
  id: 'ev1',
  title: 'Planning',
  status: 'active',
  start: '2027-03-04T16:00:00Z',
  end: null,
  all_day: false,
  time_zone: null,
  location: null,
  sequence: 0,
  organizer: { email: 'grace@example.com', name: null },
  public_url: 'https://rsvp.example.org/e/ev1',
  updated_at: '2026-11-23T10:00:00Z',
  counts: { invitees: 0, accepted: 0, tentative: 0, declined: 0, needs_action: 0, bounced: 0 },
  description: null,
  created_at: '2026-11-23T10:00:00Z',
  ics_url: 'https://rsvp.example.org/e/ev1.ics',
  embed_html: '<a href="https://rsvp.example.org/e/ev1" style="padding:8px">RSVP</a><script>parent.alert(1)</script>',
}

async function mountAt(path: string, component: unknown) {
  const router = createRouter({ history: createMemoryHistory(), routes })
  await router.push(path)
  await router.isReady()
  const props = router.currentRoute.value.params as Record<string, unknown>
  const wrapper = mount(component as Parameters<typeof mount>[0], { props, global: { plugins: [router] } })
  await flushPromises()
  return { wrapper, router }
}

beforeEach(() => {
  mocked.getSession.mockResolvedValue({
    organizer: 'grace@example.com',
    domain_admin: 'example.com',
    csrf_token: 't',
    expires_at: '2027-01-01T00:00:00Z',
    inbox_address: 'invites@rollcall.test',
  })
  mocked.getEvent.mockResolvedValue(detail)
})
afterEach(() => vi.clearAllMocks())

describe('Events page', () => {
  it('asks for the tab, search, page and scope in the URL', async () => {
    mocked.listEvents.mockResolvedValue({ events: [], page: 2, per_page: 20, total: 0 })
    await mountAt('/?when=past&q=retro&page=2&scope=domain', Events)
    expect(mocked.listEvents).toHaveBeenCalledWith({ when: 'past', q: 'retro', sort: '-start', page: 2, per_page: 20, scope: 'domain' })
  })

  it('offers the domain admin their whole domain, and switches scope through the URL', async () => {
    mocked.listEvents.mockResolvedValue({ events: [], page: 1, per_page: 20, total: 0 })
    const { wrapper, router } = await mountAt('/', Events)
    expect(wrapper.get('[data-test="scope-domain"]').text()).toBe('All events of example.com')
    await wrapper.get('[data-test="scope-domain"]').trigger('click')
    await flushPromises()
    expect(router.currentRoute.value.query.scope).toBe('domain')
    expect(mocked.listEvents).toHaveBeenLastCalledWith(expect.objectContaining({ scope: 'domain' }))
  })

  it('shows the first-event help with the inbox address when there is nothing', async () => {
    mocked.listEvents.mockResolvedValue({ events: [], page: 1, per_page: 20, total: 0 })
    const { wrapper } = await mountAt('/', Events)
    expect(wrapper.get('[data-test="empty"]').text()).toContain('add invites@rollcall.test as a guest')
  })

  it('shows the server message when the list fails', async () => {
    mocked.listEvents.mockRejectedValue(new api.ApiError(503, 'unavailable', 'Rollcall is restarting.'))
    const { wrapper } = await mountAt('/', Events)
    expect(wrapper.get('[data-test="error"]').text()).toContain('Rollcall is restarting.')
  })
})

describe('Add invitees page', () => {
  it('sends the pasted text and shows each line’s result', async () => {
    mocked.addInvitees.mockResolvedValue({
      results: [
        { line: 1, input: 'Ann <ann@example.org>', email: 'ann@example.org', name: 'Ann', result: 'added' },
        { line: 2, input: 'nope', email: null, name: null, result: 'invalid-address' },
      ],
      added: 1,
    })
    const { wrapper } = await mountAt('/events/ev1/add', AddInvitees)
    await wrapper.get('[data-test="add-text"]').setValue('Ann <ann@example.org>\nnope')
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(mocked.addInvitees).toHaveBeenCalledWith('ev1', 'Ann <ann@example.org>\nnope')
    expect(wrapper.get('[data-test="add-count"]').text()).toBe('1')
    expect(wrapper.findAll('[data-test="add-row"]').map((r) => r.attributes('data-result'))).toEqual(['added', 'invalid-address'])
  })

  it('refuses an empty list without asking the server', async () => {
    const { wrapper } = await mountAt('/events/ev1/add', AddInvitees)
    await wrapper.get('form').trigger('submit')
    await flushPromises()
    expect(mocked.addInvitees).not.toHaveBeenCalled()
    expect(wrapper.get('[data-test="error"]').text()).toContain('at least one address')
  })
})

describe('Share page', () => {
  it('previews the snippet in a sandboxed frame, never in the page itself', async () => {
    const { wrapper } = await mountAt('/events/ev1/share', Share)
    const frame = wrapper.get('[data-test="share-preview"]')
    expect(frame.attributes('srcdoc')).toBe(detail.embed_html)
    expect(frame.attributes('sandbox')).not.toContain('allow-scripts')
    expect(frame.attributes('sandbox')).not.toContain('allow-same-origin')
    expect((wrapper.get('[data-test="share-embed"]').element as HTMLTextAreaElement).value).toBe(detail.embed_html)
    expect(wrapper.find('script').exists()).toBe(false)
    expect((wrapper.get('[data-test="share-link"]').element as HTMLInputElement).value).toBe(detail.public_url)
    expect(wrapper.get('[data-test="share-ics"]').attributes('href')).toBe(detail.ics_url)
    expect(wrapper.find('[data-test="share-cancelled"]').exists()).toBe(false)
  })

  it('invites no answers for a cancelled event', async () => {
    mocked.getEvent.mockResolvedValue({ ...detail, status: 'cancelled' })
    const { wrapper } = await mountAt('/events/ev1/share', Share)
    expect(wrapper.get('[data-test="share-cancelled"]').text()).toContain('cancelled')
    expect(wrapper.find('[data-test="share-embed"]').exists()).toBe(false)
    expect(wrapper.find('[data-test="share-preview"]').exists()).toBe(false)
    expect(wrapper.text()).not.toContain('Anyone with this link can answer')
  })
})
