// Just enough MIME reading for tests to check what an SMTP server or the outbox received.

interface MimePart {
  /** Lower-cased header names; folded lines joined. */
  headers: Record<string, string>;
  /** The decoded body (base64 and quoted-printable undone); line ends of unencoded text read as \n. */
  body: string;
}

export interface MimeMessage extends MimePart {
  /** Leaf parts of a multipart message, in order (empty for a single-part message). */
  parts: MimePart[];
}

export function parseMime(raw: string): MimeMessage {
  const text = raw.replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const head = split === -1 ? text : text.slice(0, split);
  const rawBody = split === -1 ? '' : text.slice(split + 2);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\n[ \t]+/g, ' ').split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] ??= line.slice(colon + 1).trim();
  }
  const boundary = /multipart\/[^;]+;.*boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1];
  if (!boundary) return { headers, body: decode(rawBody, headers['content-transfer-encoding']), parts: [] };
  const parts: MimePart[] = [];
  for (const chunk of rawBody.split(`--${boundary}`).slice(1)) {
    if (chunk.startsWith('--')) break;
    const inner = parseMime(chunk.replace(/^\n/, '').replace(/\n$/, ''));
    parts.push(...(inner.parts.length > 0 ? inner.parts : [inner]));
  }
  return { headers, body: '', parts };
}

function decode(body: string, encoding: string | undefined): string {
  switch (encoding?.toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable':
      return Buffer.from(
        body.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    default:
      return body;
  }
}
