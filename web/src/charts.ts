// Chart.js set-up (only the parts the dashboard draws) and the pure mapping from API series
// to chart data, kept apart from the components so it can be tested without a canvas.

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartData,
  type ChartDataset,
} from 'chart.js'
import { humanize } from './format'
import type { Series } from './types'

Chart.register(BarController, BarElement, CategoryScale, Legend, LineController, LineElement, LinearScale, PointElement, Tooltip)

// One colour per track value, the same wherever it appears; unknown values cycle the rest.
const COLORS: Record<string, string> = {
  accepted: '#1b7f3b',
  tentative: '#b26a00',
  declined: '#b3261e',
  'needs-action': '#6b7280',
  delegated: '#6a3fb5',
  listed: '#9ca3af',
  queued: '#6b7280',
  delayed: '#b45309',
  sent: '#2563eb',
  delivered: '#0e7490',
  opened: '#7c3aed',
  clicked: '#be185d',
  ok: '#1b7f3b',
  bounced: '#b3261e',
  complained: '#b26a00',
  unsubscribed: '#6b7280',
}
const SPARE = ['#2563eb', '#0e7490', '#7c3aed', '#be185d', '#4d7c0f', '#92400e']

export function colorOf(value: string, index = 0): string {
  return COLORS[value] ?? SPARE[index % SPARE.length] ?? '#2563eb'
}

/** A dataset drawn by the series chart; `previous` marks the compare-with-previous overlay. */
export type SeriesDataset = ChartDataset<'bar' | 'line', number[]> & { previous?: boolean }

export interface SeriesChartData extends ChartData<'bar' | 'line', number[], string> {
  datasets: SeriesDataset[]
}

/**
 * One dataset per track value, bucket by bucket; with `previous`, one dashed line per value
 * more, over the same x positions (bucket i of the previous span sits under bucket i).
 */
export function seriesChartData(series: Series, kind: 'line' | 'bar'): SeriesChartData {
  const datasets: SeriesDataset[] = series.values.map((value, index) => ({
    type: kind,
    label: humanize(value),
    data: series.buckets.map((bucket) => bucket.counts[value] ?? 0),
    borderColor: colorOf(value, index),
    backgroundColor: colorOf(value, index),
    tension: 0.2,
  }))
  if (series.previous) {
    const previous = series.previous
    series.values.forEach((value, index) => {
      datasets.push({
        type: 'line',
        label: `${humanize(value)} (previous period)`,
        data: series.buckets.map((_, i) => previous[i]?.counts[value] ?? 0),
        borderColor: colorOf(value, index),
        backgroundColor: 'transparent',
        borderDash: [6, 4],
        borderWidth: 2,
        pointRadius: 0,
        tension: 0.2,
        previous: true,
      })
    })
  }
  return { labels: series.buckets.map((bucket) => bucket.label), datasets }
}

/** How many changes the series counts, over all buckets and values (the previous span aside). */
export function seriesTotal(series: Series): number {
  return series.buckets.reduce(
    (sum, bucket) => sum + series.values.reduce((inner, value) => inner + (bucket.counts[value] ?? 0), 0),
    0,
  )
}
