import http from 'node:http';

/** What POST /api/widget/files answered. */
export interface UploadAnswer {
  status: number;
  body: { id?: string; name?: string; mime?: string; size?: number; ok?: boolean; error?: string; message?: string };
  headers: Headers;
}

/**
 * Uploads a file as the widget does: multipart/form-data with one part `file`, the visitor's token
 * in the Authorization header. `token: null` sends none; `query` is appended to the URL as is.
 */
export async function uploadFile(
  baseUrl: string,
  token: string | null,
  file: { name: string; bytes: Buffer; type?: string },
  options: { query?: string; headers?: Record<string, string>; field?: string } = {},
): Promise<UploadAnswer> {
  const form = new FormData();
  form.append(options.field ?? 'file', new Blob([new Uint8Array(file.bytes)], { type: file.type ?? 'application/octet-stream' }), file.name);
  const res = await fetch(`${baseUrl}/api/widget/files${options.query ?? ''}`, {
    method: 'POST',
    body: form,
    headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...options.headers },
  });
  const text = await res.text();
  let body: UploadAnswer['body'] = {};
  try {
    body = JSON.parse(text) as UploadAnswer['body'];
  } catch {
    body = { message: text };
  }
  return { status: res.status, body, headers: res.headers };
}

/** A signed file link (absolute, on PUBLIC_URL) fetched from the test server instead. */
export function onServer(url: string, baseUrl: string): string {
  const u = new URL(url);
  return `${baseUrl}${u.pathname}${u.search}`;
}

/**
 * GETs a file link on its own connection, closed after the answer (a kept-alive fetch connection
 * can hold the app's stop for its grace period).
 */
export function getFile(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false, headers: { connection: 'close' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}
