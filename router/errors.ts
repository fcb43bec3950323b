// One error type with stable codes. HTTP statuses are mapped in one place: router/http/errors.ts.

export type ErrorCode =
  | 'BAD_JSON'            // 400
  | 'BAD_REQUEST'         // 400
  | 'UNAUTHORIZED'        // 401
  | 'FORBIDDEN'           // 403
  | 'NOT_FOUND'           // 404
  | 'UNKNOWN_ENTITY'      // 404
  | 'LEAD_NOT_FOUND'      // 404
  | 'DELIVERY_NOT_FOUND'  // 404
  | 'IN_PROGRESS'         // 409 (a request with the same Idempotency-Key is still being processed)
  | 'NOT_RETURNABLE'      // 409 (a return of a lead the partner was not delivered, or returned already)
  | 'RETURN_WINDOW_CLOSED' // 409 (a return after the partner's returns window, or to a partner that takes none)
  | 'DUPLICATE'           // 409 (the entity's `duplicates` check: details.leadId names the first lead)
  | 'ALREADY_SOLD'        // 409 (a dead-letter retry of a lead another partner of the profile bought or is being sent)
  | 'CAP_FULL'            // 409 (a dead-letter retry whose partner has no room left in its caps)
  | 'PING_NOT_FOUND'      // 404 (a pingId this source never got, or long gone)
  | 'PING_EXPIRED'        // 409 (the ping's quote lapsed: ping again)
  | 'PING_MISMATCH'       // 409 (the lead disagrees with the fields it was pinged with)
  | 'PING_ALREADY_POSTED' // 409 (a lead was posted with this pingId already)
  | 'TOO_LARGE'           // 413
  | 'UNSUPPORTED_MEDIA'   // 415
  | 'INVALID_LEAD'        // 422
  | 'UNAVAILABLE'         // 503 (Redis down, config not loaded)
  | 'CONFIG_INVALID'      // startup / reload
  | 'INTERNAL';           // 500

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export class LeadrouteError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LeadrouteError';
    this.code = code;
    this.details = details;
  }
}
