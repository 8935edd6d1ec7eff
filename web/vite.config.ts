import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// The dashboard is served by rollcall under /app/; `npm run dev` proxies the server's own
// routes to a `rollcall serve` on 127.0.0.1:8080 so the session cookie stays same-origin.
const backend = process.env.ROLLCALL_URL ?? 'http://127.0.0.1:8080'

// The server refuses cookie writes whose Origin is not its own, so the dev server's origin is
// swapped for the backend's on the way through.
const toBackend = {
  target: backend,
  changeOrigin: true,
  configure(proxy: { on(event: 'proxyReq', listener: (request: { getHeader(name: string): unknown; setHeader(name: string, value: string): void }) => void): void }) {
    proxy.on('proxyReq', (request) => {
      if (request.getHeader('origin')) request.setHeader('origin', new URL(backend).origin)
    })
  },
}

export default defineConfig({
  base: '/app/',
  plugins: [vue()],
  server: {
    proxy: {
      '/api': toBackend,
      '/o': toBackend,
      '/e': toBackend,
      '/r': toBackend,
    },
  },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts', 'e2e/**/*.test.mjs'],
    restoreMocks: true,
  },
})
