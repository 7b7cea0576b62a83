import type { IncomingMessage } from 'node:http';
import { Response } from 'undici';
import type { MultipartSummary } from '../types';

export const MAX_BODY_BYTES = 50 * 1024 * 1024;

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
}

export function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new BodyTooLargeError(`body exceeds ${maxBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new Error('client aborted the upload')));
  });
}

export interface ParsedFormFile {
  field: string;
  fileName: string;
  contentType: string;
  data: Uint8Array;
}

export interface ParsedForm {
  fields: Map<string, string[]>;
  files: ParsedFormFile[];
  summary: MultipartSummary;
}

/** Parses multipart/form-data with undici's spec-compliant parser (the one behind Response.formData()). */
export async function parseMultipart(body: Buffer, contentType: string): Promise<ParsedForm> {
  const formData = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  const fields = new Map<string, string[]>();
  const files: ParsedFormFile[] = [];
  const fieldNames: string[] = [];
  for (const [name, value] of formData.entries()) {
    fieldNames.push(name);
    if (typeof value === 'string') {
      fields.set(name, [...(fields.get(name) ?? []), value]);
    } else {
      files.push({
        field: name,
        fileName: value.name,
        contentType: value.type === '' ? 'application/octet-stream' : value.type,
        data: new Uint8Array(await value.arrayBuffer()),
      });
    }
  }
  return {
    fields,
    files,
    summary: {
      fieldNames,
      fields: Object.fromEntries(fields),
      files: files.map((f) => ({ field: f.field, fileName: f.fileName, contentType: f.contentType, sizeBytes: f.data.byteLength })),
    },
  };
}
