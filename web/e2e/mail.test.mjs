// @vitest-environment node
// The e2e script cannot run without a server; its mail helpers can, against a fake SMTP peer.
import net from 'node:net'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { decodeQuotedPrintable, invitation, listOutbox, parseMail, sendMail, waitForMail } from './mail.mjs'

let server = null
afterEach(() => server?.close())

/** A one-connection SMTP server that records the dialogue and the message. */
function fakeSmtp({ rcptReply = '250 OK' } = {}) {
  const seen = { commands: [], data: '' }
  server = net.createServer((socket) => {
    let buffer = ''
    let inData = false
    socket.write('220 fake ESMTP\r\n')
    socket.on('data', (chunk) => {
      buffer += chunk.toString('latin1')
      let end
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        if (inData) {
          if (line === '.') {
            inData = false
            socket.write('250 2.0.0 queued\r\n')
          } else seen.data += line + '\r\n'
          continue
        }
        seen.commands.push(line)
        if (line.startsWith('EHLO')) socket.write('250-fake\r\n250-SIZE 10485760\r\n250 8BITMIME\r\n')
        else if (line.startsWith('MAIL')) socket.write('250 OK\r\n')
        else if (line.startsWith('RCPT')) socket.write(rcptReply + '\r\n')
        else if (line === 'DATA') {
          inData = true
          socket.write('354 go ahead\r\n')
        } else if (line === 'QUIT') socket.end('221 bye\r\n')
      }
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: server.address().port, seen })))
}

const data = invitation({
  organizer: 'grace@example.com',
  organizerName: 'Grace Hopper',
  inbox: 'invites@rollcall.test',
  uid: 'e2e-abc@example.com',
  title: 'Planning',
  start: new Date('2027-03-04T15:00:00Z'),
})

describe('sendMail', () => {
  it('runs the SMTP dialogue and sends the calendar invitation', async () => {
    const { port, seen } = await fakeSmtp()
    await sendMail({ hostPort: `127.0.0.1:${port}`, from: 'grace@example.com', to: 'invites@rollcall.test', data })
    expect(seen.commands).toEqual([
      'EHLO e2e.example.com',
      'MAIL FROM:<grace@example.com>',
      'RCPT TO:<invites@rollcall.test>',
      'DATA',
      'QUIT',
    ])
    expect(seen.data).toContain('Content-Type: text/calendar; charset="UTF-8"; method=REQUEST')
    expect(seen.data).toContain('METHOD:REQUEST\r\n')
    expect(seen.data).toContain('ORGANIZER;CN=Grace Hopper:mailto:grace@example.com')
    expect(seen.data).toContain('DTSTART:20270304T150000Z')
    expect(seen.data).toContain('UID:e2e-abc@example.com')
  })

  it('fails with the server reply when a recipient is refused', async () => {
    const { port } = await fakeSmtp({ rcptReply: '550 no such user' })
    await expect(
      sendMail({ hostPort: `127.0.0.1:${port}`, from: 'grace@example.com', to: 'x@rollcall.test', data }),
    ).rejects.toThrow(/RCPT TO.*550 no such user/)
  })
})

describe('reading outgoing mail', () => {
  const link = 'http://127.0.0.1:8080/o/AbC_d-123'
  const qp = (s) => s.replace(/=/g, '=3D').replace(/(.{60})/g, '$1=\r\n')
  const mail = [
    'To: Grace Hopper <grace@example.com>',
    'Subject: =?utf-8?q?Your_event?=',
    'Content-Type: multipart/alternative;',
    ' boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    qp(`Sign in: ${link}?next=x caf\u00e9`).replace('\u00e9', '=C3=A9'),
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('<a href="http://127.0.0.1:8080/e/k3m9x2p7q4rz">Open</a>').toString('base64').replace(/(.{20})/g, '$1\r\n'),
    '--b1--',
    '',
  ].join('\r\n')

  it('decodes quoted-printable and base64 parts', () => {
    const parsed = parseMail(mail)
    expect(parsed.headers.to).toBe('Grace Hopper <grace@example.com>')
    expect(parsed.text).toContain(`${link}?next=x café`)
    expect(parsed.text).toContain('/e/k3m9x2p7q4rz')
  })

  it('joins soft line breaks of quoted-printable', () => {
    expect(decodeQuotedPrintable('abc=\r\ndef=3D=C3=A9')).toBe('abcdef=é')
  })

  it('waits for a new matching file in the outbox', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'outbox-'))
    await writeFile(path.join(dir, 'old.eml'), mail)
    const before = await listOutbox(dir)
    setTimeout(() => void writeFile(path.join(dir, 'new.eml'), mail.replace('AbC_d-123', 'NEW')), 300)
    const found = await waitForMail(dir, before, (m) => m.text.includes('/o/'), { timeoutMs: 5000 })
    expect(found.name).toBe('new.eml')
    expect(found.text).toContain('/o/NEW')
  })
})
