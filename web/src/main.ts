import { createApp } from 'vue'
import App from './App.vue'
import { onSignedOut } from './api'
import { makeRouter } from './router'
import './style.css'

const router = makeRouter(import.meta.env.BASE_URL)

// Any 401 anywhere: back to the sign-in page, remembering where the user was.
onSignedOut(() => {
  const current = router.currentRoute.value
  if (current.name !== 'signin') {
    void router.push({ name: 'signin', query: current.fullPath === '/' ? {} : { next: current.fullPath } })
  }
})

createApp(App).use(router).mount('#app')
