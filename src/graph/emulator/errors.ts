/**
 * Graph error bodies.
 * Shape follows https://learn.microsoft.com/en-us/graph/errors :
 * `{ "error": { "code", "message", "innerError": { "date", "request-id", "client-request-id" } } }`.
 * Codes used here are the documented ones (itemNotFound, nameAlreadyExists, invalidRequest,
 * activityLimitReached, serviceNotAvailable, accessDenied, ...).
 */
export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON body, a Buffer (file content) or undefined (204). */
  body?: unknown;
}

export function graphError(
  status: number,
  code: string,
  message: string,
  requestId: string,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d{3}Z$/, ''),
          'request-id': requestId,
          'client-request-id': requestId,
        },
      },
    },
  };
}

export class GraphFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFound = (what = 'The resource could not be found.') => new GraphFailure(404, 'itemNotFound', what);
export const badRequest = (message: string) => new GraphFailure(400, 'invalidRequest', message);
