// The mail side of the end-to-end test: a plain SMTP client for handing Rollcall an
// invitation, and a small MIME reader for the .eml files its file mailer writes.

import net from 'node:net'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'

const CRLF = '\r\n'

/** One SMTP transaction over a plain socket; throws on any unexpected reply. */
export async function sendMail({ hostPort, from, to, data, heloName = 'e2e.example.com' }) {
  const [host, port] = splitHostPort(hostPort)
  const socket = net.connect({ host, port })
  socket.setEncoding('utf8')
  const replies = replyReader(socket)
  const timeout = setTimeout(() => socket.destroy(new Error(`SMTP ${hostPort}: no answer within 20 s`)), 20_000)
  try {
    await new Promise((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    await expect(replies, 220, 'greeting')
    const step = async (command, code) => {
      socket.write(command + CRLF)
      return expect(replies, code, command)
    }
    await step(`EHLO ${heloName}`, 250)
    await step(`MAIL FROM:<${from}>`, 250)
    await step(`RCPT TO:<${to}>`, 250)
    await step('DATA', 354)
    // Dot-stuffing (RFC 5321 §4.5.2), CRLF line ends, then the lone dot.
    const body = data.replace(/\r?\n/g, CRLF).split(CRLF).map((line) => (line.startsWith('.') ? `.${line}` : line)).join(CRLF)
    socket.write(body + CRLF + '.' + CRLF)
    const accepted = await expect(replies, 250, 'end of DATA')
    socket.write('QUIT' + CRLF)
    await expect(replies, 221, 'QUIT').catch(() => {})
    return accepted
  } finally {
    clearTimeout(timeout)
    socket.destroy()
  }
}

function splitHostPort(hostPort) {
  const at = hostPort.lastIndexOf(':')
  if (at < 0) throw new Error(`ROLLCALL_SMTP must be host:port, not ${hostPort}`)
  return [hostPort.slice(0, at).replace(/^\[|\]$/g, ''), Number(hostPort.slice(at + 1))]
}

/** Complete replies (multi-line "250-" continuations joined), one promise at a time. */
function replyReader(socket) {
  let buffer = ''
  let lines = []
  const waiting = []
  const ready = []
  let failure = null
  const deliver = () => {
    while (waiting.length && (ready.length || failure)) {
      const { resolve, reject } = waiting.shift()
      if (ready.length) resolve(ready.shift())
      else reject(failure)
    }
  }
  socket.on('data', (chunk) => {
    buffer += chunk
    let end
    while ((end = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, end).replace(/\r$/, '')
      buffer = buffer.slice(end + 1)
      lines.push(line)
      if (!/^\d{3}-/.test(line)) {
        ready.push({ code: Number(line.slice(0, 3)), text: lines.join('\n') })
        lines = []
      }
    }
    deliver()
  })
  const fail = (error) => {
    failure = failure ?? error ?? new Error('SMTP connection closed')
    deliver()
  }
  socket.on('error', fail)
  socket.on('close', () => fail())
  return () =>
    new Promise((resolve, reject) => {
      waiting.push({ resolve, reject })
      deliver()
    })
}

async function expect(next, code, what) {
  const reply = await next()
  if (reply.code !== code) throw new Error(`SMTP ${what}: expected ${code}, got: ${reply.text}`)
  return reply
}

/** The .eml file names in `dir` now (none if it does not exist yet). */
export async function listOutbox(dir) {
  try {
    return new Set((await readdir(dir)).filter((name) => name.endsWith('.eml')))
  } catch (error) {
    if (error.code === 'ENOENT') return new Set()
    throw error
  }
}

/** Polls `dir` until a new .eml (not in `seen`) satisfies `match`; returns its parsed parts. */
export async function waitForMail(dir, seen, match, { timeoutMs = 30_000, what = 'the message' } = {}) {
  const deadline = Date.now() + timeoutMs
  const checked = new Set(seen)
  for (;;) {
    for (const name of await listOutbox(dir)) {
      if (checked.has(name)) continue
      const raw = await readFile(path.join(dir, name)).catch(() => null)
      if (!raw) continue
      const mail = parseMail(raw.toString('latin1'))
      if (match(mail)) return { name, ...mail }
      // A file still being written is read again next round; a finished non-match is skipped.
      if (raw.length > 0 && /\r?\n\r?\n/.test(raw.toString('latin1'))) checked.add(name)
    }
    if (Date.now() > deadline) throw new Error(`${what} did not appear in ${dir} within ${timeoutMs / 1000} s`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}

/** Headers of the top level and the decoded text of every text/* part, joined. */
export function parseMail(raw) {
  const parts = parsePart(raw)
  return {
    headers: parts[0]?.headers ?? {},
    text: parts.filter((p) => /^text\//i.test(p.contentType)).map((p) => p.text).join('\n'),
  }
}

function parsePart(raw) {
  const gap = raw.search(/\r?\n\r?\n/)
  const head = gap < 0 ? raw : raw.slice(0, gap)
  const body = gap < 0 ? '' : raw.slice(gap).replace(/^\r?\n\r?\n/, '')
  const headers = {}
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  const contentType = headers['content-type'] ?? 'text/plain'
  if (/^multipart\//i.test(contentType)) {
    const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1]
    if (!boundary) return [{ headers, contentType, text: '' }]
    const children = body.split(`--${boundary}`).slice(1)
    const parts = []
    for (const child of children) {
      if (child.startsWith('--')) break
      parts.push(...parsePart(child.replace(/^\r?\n/, '')))
    }
    return [{ headers, contentType, text: '' }, ...parts]
  }
  return [{ headers, contentType, text: decodeBody(body, headers['content-transfer-encoding']) }]
}

function decodeBody(body, encoding = '7bit') {
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
    case 'quoted-printable':
      return decodeQuotedPrintable(body)
    default:
      return Buffer.from(body, 'latin1').toString('utf8')
  }
}

export function decodeQuotedPrintable(text) {
  const joined = text.replace(/=\r?\n/g, '')
  const bytes = []
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3)
    if (joined[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(Number.parseInt(hex, 16))
      i += 2
    } else {
      bytes.push(joined.charCodeAt(i) & 0xff)
    }
  }
  return Buffer.from(bytes).toString('utf8')
}

/** A Google-style invitation (text/plain + text/calendar METHOD:REQUEST) from the organizer. */
export function invitation({ organizer, organizerName, inbox, uid, title, start, minutes = 60, rrule = null }) {
  const stamp = (date) => date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
  const end = new Date(start.getTime() + minutes * 60_000)
  const boundary = `e2e-${uid.replace(/[^A-Za-z0-9]/g, '')}`
  const calendar = [
    'BEGIN:VCALENDAR',
    'PRODID:-//Rollcall e2e//EN',
    'VERSION:2.0',
    'CALSCALE:GREGORIAN',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    `DTSTART:${stamp(start)}`,
    `DTEND:${stamp(end)}`,
    ...(rrule ? [`RRULE:${rrule}`] : []),
    `DTSTAMP:${stamp(new Date())}`,
    `ORGANIZER;CN=${organizerName}:mailto:${organizer}`,
    `UID:${uid}`,
    `ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=${organizerName}:mailto:${organizer}`,
    `ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${inbox}`,
    'SEQUENCE:0',
    'STATUS:CONFIRMED',
    `SUMMARY:${title}`,
    'LOCATION:Room 4',
    'END:VEVENT',
    'END:VCALENDAR',
  ].join(CRLF)
  return [
    `From: ${organizerName} <${organizer}>`,
    `To: ${inbox}`,
    `Subject: Invitation: ${title}`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <${uid.replace(/@.*/, '')}.msg@example.com>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset="UTF-8"',
    '',
    `${title}: you are invited.`,
    '',
    `--${boundary}`,
    'Content-Type: text/calendar; charset="UTF-8"; method=REQUEST',
    'Content-Transfer-Encoding: 7bit',
    '',
    calendar,
    '',
    `--${boundary}--`,
    '',
  ].join(CRLF)
}
