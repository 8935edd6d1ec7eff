import { describe, expect, it } from 'vitest'
import { queryPage, queryText, withChanges } from './urlState'

describe('urlState', () => {
  it('reads text and pages defensively', () => {
    expect(queryText({ q: 'ann', tag: ['a', 'b'] }, 'q')).toBe('ann')
    expect(queryText({ tag: ['a', 'b'] }, 'tag')).toBe('')
    expect(queryPage({ page: '3' })).toBe(3)
    expect(queryPage({ page: 'x' })).toBe(1)
    expect(queryPage({ page: '-2' })).toBe(1)
  })

  it('applies changes, goes back to page one and drops empty parameters', () => {
    expect(withChanges({ q: 'ann', page: '4', when: 'past' }, { q: '', response: 'accepted' })).toEqual({
      when: 'past',
      response: 'accepted',
    })
  })
})
