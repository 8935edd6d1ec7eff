import { describe, expect, it } from 'vitest'
import { formatDateTime, formatEventWhen, humanize, shiftDate, todayIn } from './format'

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
