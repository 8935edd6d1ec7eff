#!/usr/bin/env node
// End-to-end test of the organizer dashboard against a running `rollcall serve` (started by
// the caller, with web/dist built): an invitation by SMTP, sign-in through the link in the
// acknowledgement, two RSVPs on the public page, and what the dashboard then shows.
//
//   ROLLCALL_URL=http://127.0.0.1:8080 ROLLCALL_SMTP=127.0.0.1:2525 \
//   ROLLCALL_OUTBOX=./rollcall-data/outbox ROLLCALL_DOMAIN=rollcall.localhost \
//   ARTIFACTS=./e2e-artifacts node e2e/dashboard.e2e.mjs
//
// Prints one line per step passed; exits 1 with the failing step and why.

import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { invitation, listOutbox, sendMail, waitForMail } from './mail.mjs'

const env = (name, fallback) => {
  const value = process.env[name] ?? fallback
  if (value === undefined || value === '') {
    console.error(`FAIL: set ${name} (see the header of ${path.basename(import.meta.url)})`)
    process.exit(2)
  }
  return value
}
const BASE = env('ROLLCALL_URL').replace(/\/+$/, '')
const SMTP = env('ROLLCALL_SMTP')
const OUTBOX = env('ROLLCALL_OUTBOX')
const DOMAIN = env('ROLLCALL_DOMAIN')
const ARTIFACTS = env('ARTIFACTS', 'e2e-artifacts')
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'

const ORGANIZER = 'grace@example.com'
const RUN = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`
const TITLE = `Dashboard e2e ${RUN}`
const ANN = `ann-${RUN}@example.org`
const BOB = `bob-${RUN}@example.org`
const CAROL = `carol-${RUN}@example.org`
const DAN = `dan-${RUN}@example.org`
const SERIES_TITLE = `Weekly e2e ${RUN}`
const WAIT = 15_000

let passed = 0
let reported = false // whether a step already said what failed
let page = null // the page to photograph when a step fails

async function step(name, body) {
  try {
    const result = await body()
    passed += 1
    console.log(`ok ${passed} - ${name}`)
    return result
  } catch (error) {
    console.error(`FAIL: ${name}: ${error?.message ?? error}`)
    reported = true
    if (page) {
      await page.screenshot({ path: path.join(ARTIFACTS, 'failure.png'), fullPage: true }).catch(() => {})
      console.error(`  page: ${page.url()} (screenshot: ${path.join(ARTIFACTS, 'failure.png')})`)
    }
    throw error
  }
}

function check(condition, message) {
  if (!condition) throw new Error(message)
}

/** Retries `probe` until it returns a truthy value; reloads `reloading` between tries. */
async function eventually(probe, { timeoutMs = WAIT, reloading = null, what = 'the condition' } = {}) {
  const deadline = Date.now() + timeoutMs
  let last = null
  for (;;) {
    try {
      const value = await probe()
      if (value) return value
    } catch (error) {
      last = error
    }
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs / 1000} s${last ? ` (${last.message})` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 500))
    if (reloading) await reloading.reload({ waitUntil: 'domcontentloaded' })
  }
}

const shot = (target, name) => target.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true })
const text = async (locator) => (await locator.textContent({ timeout: WAIT }))?.trim() ?? ''
const local = (url) => BASE + new URL(url, BASE).pathname // links in mail may name the public base URL

async function main() {
  await mkdir(ARTIFACTS, { recursive: true })
  const before = await listOutbox(OUTBOX)

  await step(`send an invitation to invites@${DOMAIN} by SMTP (${SMTP})`, async () => {
    const start = new Date(Date.now() + 21 * 86_400_000)
    start.setUTCHours(15, 0, 0, 0)
    const data = invitation({
      organizer: ORGANIZER,
      organizerName: 'Grace Hopper',
      inbox: `invites@${DOMAIN}`,
      uid: `e2e-${RUN}@example.com`,
      title: TITLE,
      start,
    })
    await sendMail({ hostPort: SMTP, from: ORGANIZER, to: `invites@${DOMAIN}`, data })
  })

  const links = await step('the acknowledgement to the organizer carries the sign-in and public links', async () => {
    const mail = await waitForMail(
      OUTBOX,
      before,
      (m) => (m.headers.to ?? '').toLowerCase().includes(ORGANIZER) && m.text.includes(TITLE),
      { what: `the acknowledgement of "${TITLE}"` },
    )
    const signIn = /https?:\/\/[^\s"'<>]+\/o\/[A-Za-z0-9_-]+/.exec(mail.text)?.[0]
    const publicUrl = /https?:\/\/[^\s"'<>]+\/e\/([A-Za-z0-9]+)/.exec(mail.text)
    check(signIn, `no /o/<token> link in ${mail.name}`)
    check(publicUrl, `no /e/<event_id> link in ${mail.name}`)
    return { signIn, eventId: publicUrl[1] }
  })
  const EVENT = `${BASE}/app/events/${links.eventId}`

  const browser = await step(`launch ${CHROMIUM}`, () =>
    chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    }),
  )
  try {
    // The organizer's browser is in Tokyo, the event in UTC: the dashboard must say which is which.
    const organizer = await browser.newContext({
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
      timezoneId: 'Asia/Tokyo',
    })
    page = await organizer.newPage()

    await step('the sign-in link asks to continue, and continuing opens the dashboard', async () => {
      await page.goto(local(links.signIn))
      await page.getByRole('button', { name: /continue/i }).click()
      await page.waitForURL(/\/app\/?(\?.*)?$/, { timeout: WAIT })
      check((await text(page.locator('[data-test="organizer"]'))) === ORGANIZER, 'the header does not name the organizer')
    })

    await step('the new event is in the events list', async () => {
      const row = page.locator('[data-test="event-row"]', { hasText: TITLE })
      await row.waitFor({ timeout: WAIT })
      check((await row.getAttribute('data-event-id')) === links.eventId, 'the row links another event id')
      check((await text(row.locator('[data-test="count-invitees"]'))) !== '', 'the row shows no counts')
      const own = await text(row.locator('[data-test="event-when"]'))
      const yours = await text(row.locator('[data-test="event-when-yours"]'))
      check(own.endsWith('(UTC)'), `the event's own time does not name its zone: ${own}`)
      check(yours.includes('Asia/Tokyo, your time'), `the viewer's time is not shown beside it: ${yours}`)
      await shot(page, 'events')
    })

    await step('two guests answer on the public page (yes and maybe)', async () => {
      const guests = await browser.newContext()
      const guest = await guests.newPage()
      for (const [name, email, answer] of [
        ['Ann Example', ANN, 'yes'],
        ['Bob Example', BOB, 'maybe'],
      ]) {
        await guest.goto(`${BASE}/e/${links.eventId}`)
        const form = guest.locator('form', { has: guest.locator('input[name="email"]') })
        await form.locator('input[name="name"]').fill(name)
        await form.locator('input[name="email"]').fill(email)
        await form.locator(`input[name="answer"][value="${answer}"]`).check()
        // The answer page is the neutral "check your email", never the guest's own page:
        // the public form is no credential, so it hands out no personal link.
        await Promise.all([guest.waitForURL(/\/rsvp$/, { timeout: WAIT }), form.locator('button[type="submit"]').click()])
        const heading = await text(guest.locator('h1'))
        check(heading === 'Check your email', `the answer page says ${JSON.stringify(heading)}`)
        check(!(await guest.content()).includes('/r/'), 'the answer page shows a personal link')
      }
      await shot(guest, 'guest-answered')
      await guests.close()
    })

    await step('the event report counts 2 invitees and 1 yes, and the chart has data', async () => {
      await page.goto(EVENT)
      await eventually(
        async () =>
          (await text(page.locator('[data-test="headline-invitees"]'))) === '2' &&
          (await text(page.locator('[data-test="headline-accepted"]'))) === '1',
        { reloading: page, what: 'headline counts of 2 invitees and 1 accepted' },
      )
      await page.locator('canvas[data-test="series-canvas"]').waitFor({ timeout: WAIT })
      const total = Number(await page.locator('[data-test="series"]').getAttribute('data-total'))
      check(total >= 2, `the response series counts ${total} changes, expected at least 2`)
      const drawn = await page.locator('canvas[data-test="series-canvas"]').evaluate((c) => c.width > 0 && c.height > 0)
      check(drawn, 'the chart canvas has no size')
      await page.locator('[data-test="series-compare"]').check()
      await page.locator('[data-test="series"]').waitFor({ timeout: WAIT })
      await shot(page, 'event-report')
    })

    await step('filtering invitees by response=accepted shows only the yes', async () => {
      await page.locator('[data-test="tab-invitees"]').click()
      await page.locator('[data-test="invitee-row"]').first().waitFor({ timeout: WAIT })
      check((await page.locator('[data-test="invitee-row"]').count()) === 2, 'the invitees list does not show both guests')
      await page.locator('[data-test="filter-response"]').selectOption('accepted')
      await page.waitForURL(/response=accepted/, { timeout: WAIT })
      await eventually(async () => {
        const emails = await page.locator('[data-test="invitee-row"]').evaluateAll((rows) => rows.map((r) => r.dataset.email))
        return emails.length === 1 && emails[0] === ANN
      }, { what: `only ${ANN} listed` })
      await shot(page, 'invitees-accepted')
    })

    await step("an invitee's timeline shows the web answer", async () => {
      await page.locator('[data-test="invitee-row"]', { hasText: ANN }).locator('[data-test="invitee-link"]').click()
      // Her history starts with being listed and queued; the answer is the one with a value.
      const signal = page.locator('[data-test="signal"][data-channel="web"]', { hasText: 'Answer' }).first()
      await signal.waitFor({ timeout: WAIT })
      check(/accepted/i.test(await text(signal)), 'the web answer does not say accepted')
      await shot(page, 'timeline')
    })

    await step('the invitees CSV export holds both addresses', async () => {
      await page.goto(`${EVENT}/invitees`)
      const link = page.locator('[data-test="export-invitees-csv"]')
      await link.waitFor({ timeout: WAIT })
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: WAIT }), link.click()])
      const csv = await readFile(await download.path(), 'utf8')
      check(csv.includes(ANN) && csv.includes(BOB), `the CSV lacks an address:\n${csv.slice(0, 500)}`)
    })

    await step('adding a pasted list reports one added and one invalid line', async () => {
      await page.goto(`${EVENT}/add`)
      await page.locator('[data-test="add-text"]').fill(`Carol Example <${CAROL}>\nnot an address`)
      await page.locator('[data-test="add-submit"]').click()
      const rows = page.locator('[data-test="add-row"]')
      await eventually(async () => (await rows.count()) === 2, { what: 'two result rows' })
      const results = await rows.evaluateAll((all) => all.map((r) => r.dataset.result))
      check(results[0] === 'added' && results[1] === 'invalid-address', `results were ${results.join(', ')}`)
      check((await text(page.locator('[data-test="add-count"]'))) === '1', 'the added count is not 1')
      await shot(page, 'add-invitees')
    })

    await step('the share and token pages render', async () => {
      await page.goto(`${EVENT}/share`)
      await page.locator('[data-test="share-embed"]').waitFor({ timeout: WAIT })
      check(
        (await page.locator('[data-test="share-link"]').inputValue()).includes(`/e/${links.eventId}`),
        'the share link is not the public page',
      )
      await shot(page, 'share')
      await page.goto(`${BASE}/app/tokens`)
      await page.locator('[data-test="token-label"]').waitFor({ timeout: WAIT })
      await shot(page, 'tokens')
    })

    const series = await step('a weekly series: a guest says yes to it, then no to its second date on their own page', async () => {
      const sent = await listOutbox(OUTBOX)
      const start = new Date(Date.now() + 14 * 86_400_000)
      start.setUTCHours(9, 0, 0, 0)
      const data = invitation({
        organizer: ORGANIZER,
        organizerName: 'Grace Hopper',
        inbox: `invites@${DOMAIN}`,
        uid: `e2e-weekly-${RUN}@example.com`,
        title: SERIES_TITLE,
        start,
        rrule: 'FREQ=WEEKLY;COUNT=4',
      })
      await sendMail({ hostPort: SMTP, from: ORGANIZER, to: `invites@${DOMAIN}`, data })
      const ack = await waitForMail(
        OUTBOX,
        sent,
        (m) => (m.headers.to ?? '').toLowerCase().includes(ORGANIZER) && m.text.includes(SERIES_TITLE),
        { what: `the acknowledgement of "${SERIES_TITLE}"` },
      )
      const eventId = /https?:\/\/[^\s"'<>]+\/e\/([A-Za-z0-9]+)/.exec(ack.text)?.[1]
      check(eventId, `no /e/<event_id> link in ${ack.name}`)
      const guests = await browser.newContext()
      const guest = await guests.newPage()
      await guest.goto(`${BASE}/e/${eventId}`)
      const form = guest.locator('form', { has: guest.locator('input[name="email"]') })
      await form.locator('input[name="email"]').fill(DAN)
      await form.locator('input[name="answer"][value="yes"]').check()
      await Promise.all([guest.waitForURL(/\/rsvp$/, { timeout: WAIT }), form.locator('button[type="submit"]').click()])
      const mail = await waitForMail(
        OUTBOX,
        sent,
        (m) => (m.headers.to ?? '').toLowerCase().includes(DAN) && /\/r\/[A-Za-z0-9_-]+/.test(m.text),
        { what: `the invitation to ${DAN}` },
      )
      const own = /https?:\/\/[^\s"'<>]+(\/r\/[A-Za-z0-9_-]+)/.exec(mail.text)?.[1]
      check(own, `no personal page link in ${mail.name}`)
      await guest.goto(`${BASE}${own}`)
      const second = guest.locator('li[data-occurrence]').nth(1)
      await second.waitFor({ timeout: WAIT })
      const occurrence = await second.getAttribute('data-occurrence')
      check((await text(second)).includes('(your answer for every date)'), 'the date does not follow the series answer')
      await Promise.all([guest.waitForURL(new RegExp(`${own}$`), { timeout: WAIT }), second.getByRole('button', { name: 'No' }).click()])
      const answered = guest.locator(`li[data-occurrence="${occurrence}"]`)
      check((await text(answered)).includes('You said no for this date'), `the date says ${await text(answered)}`)
      check((await text(guest.locator('.answer'))).includes('You said yes'), 'the series answer changed')
      await shot(guest, 'guest-dates')
      await guests.close()
      return { eventId, occurrence }
    })

    await step('the report narrowed to that date counts the no; the whole series still counts the yes', async () => {
      await page.goto(`${BASE}/app/events/${series.eventId}`)
      await eventually(async () => (await text(page.locator('[data-test="headline-accepted"]'))) === '1', {
        reloading: page,
        what: 'one yes for the series',
      })
      check((await text(page.locator('[data-test="headline-declined"]'))) === '0', 'the series counts a no')
      await page.locator('[data-test="occurrence-filter"]').selectOption(series.occurrence)
      await page.waitForURL(/occurrence=/, { timeout: WAIT })
      await eventually(
        async () =>
          (await text(page.locator('[data-test="headline-declined"]'))) === '1' &&
          (await text(page.locator('[data-test="headline-accepted"]'))) === '0',
        { what: 'one no and no yes for that date' },
      )
      check(await page.locator('[data-test="occurrence-note"]').isVisible(), 'the page does not say which date it counts')
      await shot(page, 'event-report-one-date')
      await page.goto(`${BASE}/app/events/${series.eventId}/invitees?occurrence=${encodeURIComponent(series.occurrence)}`)
      const row = page.locator('[data-test="invitee-row"]', { hasText: DAN })
      await row.waitFor({ timeout: WAIT })
      check((await text(row.locator('[data-test="invitee-response"]'))).includes('for this date'), 'the row does not mark the date answer')
      const csvHref = await page.locator('[data-test="export-invitees-csv"]').getAttribute('href')
      check(csvHref?.includes('occurrence='), `the export link ignores the date: ${csvHref}`)
    })

    await step('signing out ends the session: the dashboard then asks to sign in', async () => {
      await page.locator('[data-test="sign-out"]').click()
      await page.waitForURL(/\/app\/signin/, { timeout: WAIT })
      await page.goto(`${BASE}/app/`)
      await page.waitForURL(/\/app\/signin/, { timeout: WAIT })
      await shot(page, 'signin')
    })

    await step("the acknowledgement's used link offers one button that mails a fresh one", async () => {
      const sent = await listOutbox(OUTBOX)
      await page.goto(local(links.signIn))
      await page.getByRole('button', { name: /email me a new sign-in link/i }).click()
      await page.getByText('Check your email').waitFor({ timeout: WAIT })
      const mail = await waitForMail(
        OUTBOX,
        sent,
        (m) => (m.headers.to ?? '').toLowerCase().includes(ORGANIZER) && /\/o\/[A-Za-z0-9_-]+/.test(m.text),
        { what: 'a fresh sign-in link' },
      )
      const fresh = /https?:\/\/[^\s"'<>]+\/o\/[A-Za-z0-9_-]+/.exec(mail.text)?.[0]
      check(fresh && fresh !== links.signIn, 'the new mail carries the old link')
      await page.goto(local(fresh))
      await page.getByRole('button', { name: /continue/i }).click()
      await page.waitForURL(/\/app\/?(\?.*)?$/, { timeout: WAIT })
      await shot(page, 'fresh-link')
    })
  } finally {
    await browser.close()
  }
  console.log(`${passed} passed, 0 failed`)
}

main().catch((error) => {
  if (!reported) console.error(`FAIL: ${error?.stack ?? error}`)
  console.log(`${passed} passed, 1 failed`)
  process.exit(1)
})
