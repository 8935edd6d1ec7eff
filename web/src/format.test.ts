import { describe, expect, it } from 'vitest'
import { formatDateTime, formatEventTimes, formatEventWhen, humanize, shiftDate, todayIn } from './format'

describe('formatEventWhen', () => {
  it('shows a timed event in the given zone, the end as a time on the same day', () => {
    const text = formatEventWhen({ start: '2027-03-04T16:00:00Z', end: '2027-03-04T17:00:00Z', all_day: false }, 'Europe/Paris')
    const expected = new Intl.DateTimeFormat(undefined, { timeStyle: 'short', timeZone: 'Europe/Paris' })
    expect(text).toContain(expected.format(new Date('2027-03-04T16:00:00Z')))
    expect(text.endsWith(expected.format(new Date('2027-03-04T17:00:00Z')))).toBe(true)
    expect(text.match(/2027/g)).toHaveLength(1)
  })

  it('names both days when the event crosses midnight in the zone', () => {
    const text = formatEventWhen({ start: '2027-03-04T22:00:00Z', end: '2027-03-05T01:00:00Z', all_day: false }, 'UTC')
    expect(text.match(/2027/g)).toHaveLength(2)
  })

  it('shows an all-day date as it is, whatever the zone', () => {
    const oneDay = formatEventWhen({ start: '2027-03-04', end: '2027-03-05', all_day: true }, 'Pacific/Honolulu')
    const expected = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(
      new Date('2027-03-04T00:00:00Z'),
    )
    expect(oneDay).toBe(expected)
    const twoDays = formatEventWhen({ start: '2027-03-04', end: '2027-03-06', all_day: true }, 'UTC')
    expect(twoDays).toContain('–')
  })
})

describe('dates', () => {
  it('give today in a zone', () => {
    const now = new Date('2026-11-30T23:30:00Z')
    expect(todayIn('UTC', now)).toBe('2026-11-30')
    expect(todayIn('Europe/Paris', now)).toBe('2026-12-01')
  })

  it('shift by days, months and years, clamping month ends', () => {
    expect(shiftDate('2026-11-30', { days: -29 })).toBe('2026-11-01')
    expect(shiftDate('2026-03-31', { months: -1 })).toBe('2026-02-28')
    expect(shiftDate('2026-11-30', { years: -5, days: 1 })).toBe('2021-12-01')
  })

  it('format a missing timestamp as nothing', () => {
    expect(formatDateTime(null)).toBe('')
  })
})

it('humanize turns API words into labels', () => {
  expect(humanize('needs-action')).toBe('Needs action')
  expect(humanize('calendar-reply')).toBe('Calendar reply')
})

describe('zones', () => {
  const event = { start: '2027-03-04T16:00:00Z', end: '2027-03-04T17:00:00Z', all_day: false, time_zone: 'America/New_York' }

  it("shows an event in its own zone, named, and in the viewer's when that differs", () => {
    const times = formatEventTimes(event, 'Europe/Paris')
    expect(times.own).toBe(`${formatEventWhen(event, 'America/New_York')} (America/New_York)`)
    expect(times.yours).toBe(`${formatEventWhen(event, 'Europe/Paris')} (Europe/Paris, your time)`)
    expect(formatEventTimes(event, 'America/New_York').yours).toBeNull()
  })

  it('falls back to the viewer zone, named, when the event has none', () => {
    const times = formatEventTimes({ ...event, time_zone: null }, 'Asia/Tokyo')
    expect(times.own).toBe(`${formatEventWhen(event, 'Asia/Tokyo')} (Asia/Tokyo)`)
    expect(times.yours).toBeNull()
    expect(formatEventTimes({ ...event, time_zone: 'Not/AZone' }, 'UTC').own).toContain('(UTC)')
  })

  it('keeps an all-day date unlabelled: it is the same dates everywhere', () => {
    const times = formatEventTimes({ start: '2027-03-04', end: '2027-03-05', all_day: true, time_zone: null }, 'UTC')
    expect(times.own).not.toContain('(')
  })

  it('names the zone of every timestamp', () => {
    expect(formatDateTime('2027-01-04T16:00:00Z', 'UTC')).toMatch(/UTC$/)
    expect(formatDateTime('2027-07-04T16:00:00Z', 'America/New_York')).toMatch(/(EDT|GMT-4)$/)
  })
})

describe('an event without a start', () => {
  it('says so instead of failing', () => {
    expect(formatEventWhen({ start: null, end: null, all_day: false }, 'UTC')).toBe('No time given')
    expect(formatEventTimes({ start: null, end: null, all_day: false, time_zone: 'Europe/Paris' }, 'UTC')).toEqual({
      own: 'No time given',
      yours: null,
    })
  })
})
