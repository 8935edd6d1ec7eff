import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import FunnelBars from './FunnelBars.vue'
import type { FunnelStage } from '../types'

const stages: FunnelStage[] = [
  { stage: 'invited', count: 12 },
  { stage: 'sent', count: 11 },
  { stage: 'delivered', count: 8 },
  { stage: 'opened', count: 2 },
  { stage: 'answered', count: 8 },
  { stage: 'accepted', count: 6 },
]

describe('FunnelBars', () => {
  it('draws one bar per stage, in order, sized against the invited count', () => {
    const rows = mount(FunnelBars, { props: { stages } }).findAll('[data-test="funnel-stage"]')
    expect(rows.map((r) => r.attributes('data-stage'))).toEqual(stages.map((s) => s.stage))
    expect(rows.map((r) => r.get('[data-test="funnel-count"]').text())).toEqual(['12', '11', '8', '2', '8', '6'])
    const width = (i: number) => (rows[i]!.get('.funnel-bar').element as HTMLElement).style.width
    expect(width(0)).toBe('100%')
    expect(width(5)).toBe('50%')
    expect(rows[5]!.text()).toContain('Accepted')
    expect(rows[5]!.text()).toContain('(50%)')
  })

  it('draws empty bars, not NaN, when nobody is invited yet', () => {
    const wrapper = mount(FunnelBars, { props: { stages: [{ stage: 'invited', count: 0 }, { stage: 'sent', count: 0 }] } })
    const bar = wrapper.get('.funnel-bar').element as HTMLElement
    expect(bar.style.width).toBe('0%')
    expect(wrapper.text()).not.toContain('NaN')
  })

  it('says so when there are no stages', () => {
    expect(mount(FunnelBars, { props: { stages: [] } }).text()).toContain('Nothing to show yet')
  })
})
