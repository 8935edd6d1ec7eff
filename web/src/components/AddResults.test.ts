import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import AddResults from './AddResults.vue'
import type { AddRow } from '../types'

const results: AddRow[] = [
  { line: 1, input: 'Ann <ann@example.org>', email: 'ann@example.org', name: 'Ann', result: 'added' },
  { line: 2, input: 'bob@example.org', email: 'bob@example.org', name: null, result: 'already-invited' },
  { line: 3, input: 'not an address', email: null, name: null, result: 'invalid-address' },
  { line: 4, input: 'eve@example.org', email: 'eve@example.org', name: null, result: 'unsubscribed' },
  { line: 5, input: '<img src=x onerror=alert(1)>', email: null, name: null, result: 'invalid-address' },
]

describe('AddResults', () => {
  it('lists every line with its result in words', () => {
    const wrapper = mount(AddResults, { props: { results, added: 1 } })
    const rows = wrapper.findAll('[data-test="add-row"]')
    expect(rows.map((r) => r.attributes('data-result'))).toEqual([
      'added',
      'already-invited',
      'invalid-address',
      'unsubscribed',
      'invalid-address',
    ])
    expect(rows.map((r) => r.get('[data-test="add-result"]').text())).toEqual([
      'Added',
      'Already invited',
      'Invalid address',
      'Unsubscribed',
      'Invalid address',
    ])
    expect(rows[0]!.text()).toContain('ann@example.org')
    expect(rows[2]!.text()).toContain('not an address')
  })

  it('counts what was added and what was not', () => {
    const summary = mount(AddResults, { props: { results, added: 1 } }).get('[data-test="add-summary"]').text()
    expect(summary).toMatch(/^1 invitee added/)
    expect(summary).toContain('3 lines not added')
  })

  it('shows pasted markup as text', () => {
    const wrapper = mount(AddResults, { props: { results, added: 1 } })
    expect(wrapper.find('img').exists()).toBe(false)
    expect(wrapper.text()).toContain('<img src=x onerror=alert(1)>')
  })
})
