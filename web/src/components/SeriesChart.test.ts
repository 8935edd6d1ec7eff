import { describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { defineComponent, h } from 'vue'
import SeriesChart from './SeriesChart.vue'
import { seriesChartData, seriesTotal, type SeriesChartData } from '../charts'
import type { Series } from '../types'

const series: Series = {
  track: 'response',
  granularity: 'day',
  time_zone: 'Europe/Paris',
  values: ['accepted', 'declined'],
  buckets: [
    { start: '2026-11-01T00:00:00+01:00', label: '2026-11-01', counts: { accepted: 3, declined: 1 } },
    { start: '2026-11-02T00:00:00+01:00', label: '2026-11-02', counts: {} },
    { start: '2026-11-03T00:00:00+01:00', label: '2026-11-03', counts: { accepted: 2 } },
  ],
  previous: null,
  occurrence: null,
}
const withPrevious: Series = {
  ...series,
  previous: [
    { start: '2026-10-29T00:00:00+01:00', label: '2026-10-29', counts: { accepted: 1 } },
    { start: '2026-10-30T00:00:00+01:00', label: '2026-10-30', counts: { declined: 4 } },
    { start: '2026-10-31T00:00:00+01:00', label: '2026-10-31', counts: {} },
  ],
}

// Chart.js needs a real canvas: the stub draws nothing and keeps the props it was handed.
vi.mock('vue-chartjs', () => ({
  Chart: defineComponent({ name: 'ChartStub', props: ['type', 'data', 'options'], setup: () => () => h('canvas') }),
}))
const Chart = { name: 'ChartStub' }

const mountChart = (s: Series, kind: 'line' | 'bar' = 'line') => mount(SeriesChart, { props: { series: s, kind } })
const drawn = (wrapper: ReturnType<typeof mountChart>) => wrapper.findComponent(Chart).props('data') as SeriesChartData

describe('seriesChartData', () => {
  it('has one dataset per value with zeros for empty buckets', () => {
    const data = seriesChartData(series, 'line')
    expect(data.labels).toEqual(['2026-11-01', '2026-11-02', '2026-11-03'])
    expect(data.datasets.map((d) => d.label)).toEqual(['Accepted', 'Declined'])
    expect(data.datasets[0]!.data).toEqual([3, 0, 2])
    expect(data.datasets[1]!.data).toEqual([1, 0, 0])
    expect(data.datasets.every((d) => !d.previous)).toBe(true)
  })

  it('overlays the previous period as dashed lines, even on a bar chart', () => {
    const data = seriesChartData(withPrevious, 'bar')
    expect(data.datasets).toHaveLength(4)
    const [accepted, , acceptedBefore, declinedBefore] = data.datasets
    expect(accepted!.type).toBe('bar')
    expect(acceptedBefore).toMatchObject({ type: 'line', label: 'Accepted (previous period)', previous: true, borderDash: [6, 4] })
    expect(acceptedBefore!.data).toEqual([1, 0, 0])
    expect(declinedBefore!.data).toEqual([0, 4, 0])
    expect(acceptedBefore!.borderColor).toBe(accepted!.borderColor)
  })

  it('counts every change of the current period', () => {
    expect(seriesTotal(series)).toBe(6)
    expect(seriesTotal(withPrevious)).toBe(6)
  })
})

describe('SeriesChart', () => {
  it('hands the chart its datasets and says how many changes it shows', () => {
    const wrapper = mountChart(series)
    const chart = wrapper.findComponent(Chart)
    expect(chart.props('type')).toBe('line')
    expect(drawn(wrapper).datasets.map((d) => d.data)).toEqual([
      [3, 0, 2],
      [1, 0, 0],
    ])
    expect(wrapper.get('[data-test="series-total"]').text()).toBe('6')
    expect(wrapper.get('[data-test="series"]').attributes('data-buckets')).toBe('3')
    expect(chart.attributes('aria-label')).toContain('per day in Europe/Paris')
  })

  it('draws the previous period too when it is given, and lists it in the table', () => {
    const wrapper = mountChart(withPrevious, 'bar')
    const datasets = drawn(wrapper).datasets
    expect(datasets.filter((d) => d.previous).map((d) => d.label)).toEqual([
      'Accepted (previous period)',
      'Declined (previous period)',
    ])
    expect(wrapper.findComponent(Chart).attributes('aria-label')).toContain('previous period as dashed lines')
    const firstRow = wrapper.get('[data-test="series-table"] tbody tr')
    expect(firstRow.text()).toContain('2026-10-29')
  })

  it('follows new data', async () => {
    const wrapper = mountChart(series)
    await wrapper.setProps({ series: withPrevious })
    expect(drawn(wrapper).datasets).toHaveLength(4)
  })
})
