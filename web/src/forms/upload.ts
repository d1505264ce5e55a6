import { authHeaders, freshSession } from "../api/session";
import { ApiError } from "../api/problem";
import type { Schemas } from "../api/client";

export type StoredFile = Schemas["FileOut"];

/** Uploads one file (multipart, part `file`) reporting progress; fetch cannot report it. */
export async function uploadFile(
  file: File,
  onProgress: (fraction: number) => void,
  context = "task_attachment",
): Promise<StoredFile> {
  await freshSession();
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/files?context=${encodeURIComponent(context)}`);
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { detail: xhr.responseText };
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as StoredFile);
      else reject(new ApiError(xhr.status, body as never));
    };
    xhr.onerror = () => reject(new Error("The upload failed: the server could not be reached."));
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
}
