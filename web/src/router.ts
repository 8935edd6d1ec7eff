import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'

// Pages load lazily: the sign-in page does not carry Chart.js.
export const routes: RouteRecordRaw[] = [
  { path: '/signin', name: 'signin', component: () => import('./pages/SignIn.vue'), meta: { public: true } },
  { path: '/', name: 'events', component: () => import('./pages/Events.vue') },
  { path: '/events/:id', name: 'event', component: () => import('./pages/EventDetail.vue'), props: true },
  {
    path: '/events/:id/invitees',
    name: 'invitees',
    component: () => import('./pages/Invitees.vue'),
    props: true,
  },
  {
    path: '/events/:id/invitees/:inviteeId',
    name: 'timeline',
    component: () => import('./pages/InviteeTimeline.vue'),
    props: true,
  },
  { path: '/events/:id/share', name: 'share', component: () => import('./pages/Share.vue'), props: true },
  { path: '/events/:id/add', name: 'add', component: () => import('./pages/AddInvitees.vue'), props: true },
  { path: '/tokens', name: 'tokens', component: () => import('./pages/Tokens.vue') },
  { path: '/:rest(.*)*', name: 'not-found', component: () => import('./pages/NotFound.vue'), meta: { public: true } },
]

declare module 'vue-router' {
  interface RouteMeta {
    /** Shown without a session (no header, no session fetch). */
    public?: boolean
  }
}

export function makeRouter(base = '/app/') {
  return createRouter({ history: createWebHistory(base), routes })
}
