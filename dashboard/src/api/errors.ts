// The API's error shape: {"error": {"code", "message", "details": [{"field": "body.email", ...}], "request_id"}}.

export interface ApiErrorDetail {
  field?: string | null;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ApiErrorDetail[];
  readonly requestId: string | null;

  constructor(status: number, body: unknown) {
    const error = (body as { error?: { code?: string; message?: string; details?: ApiErrorDetail[]; request_id?: string } })?.error;
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? "http_error";
    this.details = Array.isArray(error?.details) ? error.details : [];
    this.requestId = error?.request_id ?? null;
  }

  /** Messages naming `body.<field>` / `query.<field>`, by field name. */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const detail of this.details) {
      const field = detail.field?.replace(/^(body|query|path)\./, "");
      if (field && !(field in out)) out[field] = detail.message;
    }
    return out;
  }

  /** The message to show beside the form when no field is named. */
  generalMessage(knownFields: string[]): string | null {
    const fields = this.fieldErrors();
    return knownFields.some((f) => f in fields) ? null : this.message;
  }
}

/** Unwraps an openapi-fetch result: the data, or throws ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) throw new ApiError(result.response.status, result.error);
  return result.data as T;
}
