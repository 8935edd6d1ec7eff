import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import SignalTimeline from './SignalTimeline.vue'
import type { Signal } from '../types'

const none = { message_id: null, producer: null, sender_auth: null, note: null }
const signals: Signal[] = [
  {
    kind: 'answer',
    value: 'accepted',
    channel: 'web',
    occurred_at: '2026-11-20T09:00:00Z',
    received_at: '2026-11-20T09:00:00Z',
    provenance: none,
    comment: null,
    effect: 'response needs-action → accepted',
    applied: true,
  },
  {
    kind: 'answer',
    value: 'declined',
    channel: 'calendar-reply',
    occurred_at: '2026-11-19T08:00:00Z',
    received_at: '2026-11-21T10:30:00Z',
    provenance: { message_id: '<abc@mail.example.org>', producer: 'Microsoft Outlook 16.0', sender_auth: 'dmarc=pass', note: null },
    comment: null,
    effect: 'ignored: older than the recorded answer',
    applied: false,
  },
]

describe('SignalTimeline', () => {
  it('lists every signal with channel, effect and whether it applied', () => {
    const items = mount(SignalTimeline, { props: { signals } }).findAll('[data-test="signal"]')
    expect(items).toHaveLength(2)
    expect(items[0]!.get('[data-test="signal-what"]').text()).toBe('Answer: Accepted')
    expect(items[0]!.get('[data-test="signal-channel"]').text()).toBe('RSVP page')
    expect(items[0]!.get('[data-test="signal-applied"]').text()).toBe('Applied')
    expect(items[0]!.get('[data-test="signal-effect"]').text()).toBe('response needs-action → accepted')
    expect(items[1]!.get('[data-test="signal-applied"]').text()).toBe('Ignored')
    expect(items[1]!.classes()).toContain('ignored')
    expect(items[1]!.attributes('data-channel')).toBe('calendar-reply')
  })

  it('shows the provenance that is known and nothing for what is not', () => {
    const items = mount(SignalTimeline, { props: { signals } }).findAll('[data-test="signal"]')
    expect(items[0]!.find('.provenance').exists()).toBe(false)
    expect(items[1]!.get('[data-test="provenance-message_id"]').text()).toBe('<abc@mail.example.org>')
    expect(items[1]!.get('[data-test="provenance-producer"]').text()).toBe('Microsoft Outlook 16.0')
    expect(items[1]!.get('[data-test="provenance-sender_auth"]').text()).toBe('dmarc=pass')
    expect(items[1]!.find('[data-test="provenance-note"]').exists()).toBe(false)
  })

  it('shows when a late signal was received as well as when it happened', () => {
    const items = mount(SignalTimeline, { props: { signals } }).findAll('[data-test="signal"]')
    expect(items[0]!.findAll('time')).toHaveLength(1)
    const times = items[1]!.findAll('time').map((t) => t.attributes('datetime'))
    expect(times).toEqual(['2026-11-19T08:00:00Z', '2026-11-21T10:30:00Z'])
  })

  it('says so when there is no signal', () => {
    expect(mount(SignalTimeline, { props: { signals: [] } }).find('[data-test="timeline-empty"]').exists()).toBe(true)
  })

  it('names signals that carry no value by their kind alone', () => {
    const sent: Signal = { ...signals[0]!, kind: 'sent', value: null, channel: 'provider', effect: 'delivery queued → sent' }
    const item = mount(SignalTimeline, { props: { signals: [sent] } }).get('[data-test="signal"]')
    expect(item.get('[data-test="signal-what"]').text()).toBe('Sent')
  })

  it('names the mail a delivery step is about and the organizer\'s calendar as its cause', () => {
    const update: Signal = {
      kind: 'sent',
      value: null,
      channel: 'provider',
      occurred_at: '2026-11-22T09:00:00Z',
      received_at: '2026-11-22T09:00:00Z',
      provenance: { ...none, mail: 'update' },
      comment: null,
      effect: 'recorded',
      applied: true,
    }
    const reconfirm: Signal = { ...update, kind: 'reconfirm', channel: 'organizer-list', provenance: none }
    const items = mount(SignalTimeline, { props: { signals: [update, reconfirm] } }).findAll('[data-test="signal"]')
    expect(items[0]!.get('[data-test="signal-what"]').text()).toBe('Update sent')
    expect(items[0]!.get('[data-test="signal-applied"]').text()).toBe('Applied')
    expect(items[1]!.get('[data-test="signal-channel"]').text()).toBe('Your calendar')
  })
})
