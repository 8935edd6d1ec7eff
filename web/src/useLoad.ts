import { ref, shallowRef, type Ref } from 'vue'
import { ApiError } from './api'

export interface Load<T> {
  data: Ref<T | null>
  error: Ref<string | null>
  loading: Ref<boolean>
  run: () => Promise<void>
}

/** The loading / error / data state of one request; only the latest run's answer is kept. */
export function useLoad<T>(fetcher: () => Promise<T>): Load<T> {
  const data = shallowRef<T | null>(null) as Ref<T | null>
  const error = ref<string | null>(null)
  const loading = ref(false)
  let latest = 0
  async function run() {
    const mine = ++latest
    loading.value = true
    error.value = null
    try {
      const value = await fetcher()
      if (mine === latest) data.value = value
    } catch (e) {
      if (mine === latest) error.value = messageOf(e)
    } finally {
      if (mine === latest) loading.value = false
    }
  }
  return { data, error, loading, run }
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message
  return 'Something went wrong in the dashboard. Reload the page and try again.'
}
