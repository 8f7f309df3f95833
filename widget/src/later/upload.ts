/** One upload to POST /api/widget/files (contract: HTTP), with XMLHttpRequest: fetch cannot report upload progress. */

export interface Answer {
  /** 0: no answer (network failure, aborted). */
  status: number;
  body: unknown;
}

/** Starts the upload; returns its answer and a way to abort it. The token goes in a header, never in the URL. */
export function upload(origin: string, token: string, file: File, progress: (fraction: number) => void): [Promise<Answer>, () => void] {
  const xhr = new XMLHttpRequest();
  const answer = new Promise<Answer>((resolve) => {
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // A proxy's HTML error page: the status says enough.
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = xhr.onabort = xhr.ontimeout = () => resolve({ status: 0, body: null });
  });
  xhr.upload.onprogress = (e) => e.lengthComputable && progress(e.loaded / e.total);
  xhr.open('POST', `${origin}/api/widget/files`);
  xhr.setRequestHeader('Authorization', `Bearer ${token}`);
  const form = new FormData();
  form.append('file', file, file.name);
  xhr.send(form);
  return [answer, () => xhr.abort()];
}
