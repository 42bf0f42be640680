import busboy from 'busboy';

/** What Relay accepts in one inbound request; past any of these the request is refused (413). */
export const INBOUND_LIMITS = {
  /** The whole request body. */
  bodyBytes: 30 * 1024 * 1024,
  files: 20,
  fileBytes: 15 * 1024 * 1024,
  fields: 200,
  fieldBytes: 20 * 1024 * 1024,
} as const;

export interface FormFile {
  field: string;
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface FormData {
  fields: Map<string, string>;
  files: FormFile[];
}

export class FormLimitExceeded extends Error {
  override name = 'FormLimitExceeded';
}
export class MalformedForm extends Error {
  override name = 'MalformedForm';
}

/** Parses a multipart/form-data or urlencoded body (already read whole) within INBOUND_LIMITS. */
export function parseForm(raw: Buffer, contentType: string): Promise<FormData> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        limits: { files: INBOUND_LIMITS.files, fileSize: INBOUND_LIMITS.fileBytes, fields: INBOUND_LIMITS.fields, fieldSize: INBOUND_LIMITS.fieldBytes },
      });
    } catch (error) {
      reject(new MalformedForm((error as Error).message));
      return;
    }
    const fields = new Map<string, string>();
    const files: FormFile[] = [];
    let failure: Error | undefined;
    const fail = (error: Error) => (failure ??= error);
    parser.on('field', (name, value, info) => {
      if (info.valueTruncated) fail(new FormLimitExceeded(`field ${name} is too large`));
      fields.set(name, value);
    });
    parser.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(new FormLimitExceeded(`file ${info.filename} is larger than ${INBOUND_LIMITS.fileBytes} bytes`)));
      stream.on('close', () => files.push({ field, filename: info.filename ?? field, contentType: info.mimeType, content: Buffer.concat(chunks) }));
    });
    parser.on('filesLimit', () => fail(new FormLimitExceeded(`more than ${INBOUND_LIMITS.files} files`)));
    parser.on('fieldsLimit', () => fail(new FormLimitExceeded(`more than ${INBOUND_LIMITS.fields} fields`)));
    parser.on('error', (error: Error) => reject(failure ?? new MalformedForm(error.message)));
    parser.on('close', () => (failure ? reject(failure) : resolve({ fields, files })));
    parser.end(raw);
  });
}
