import type { ErrorCode } from '../errors.ts';

/** The one place error codes become HTTP statuses. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_JSON: 400,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  UNKNOWN_ENTITY: 404,
  LEAD_NOT_FOUND: 404,
  DELIVERY_NOT_FOUND: 404,
  IN_PROGRESS: 409,
  DUPLICATE: 409,
  ALREADY_SOLD: 409,
  CAP_FULL: 409,
  TOO_LARGE: 413,
  UNSUPPORTED_MEDIA: 415,
  INVALID_LEAD: 422,
  UNAVAILABLE: 503,
  CONFIG_INVALID: 500,
  INTERNAL: 500,
};
