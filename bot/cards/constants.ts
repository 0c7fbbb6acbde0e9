/** Prefix of the reference shown on an unexpected-error card and written in the log. */
export const CARD_ERROR_REFERENCE_PREFIX = 'WQ-';
/** Teams accepts up to ~100 KB per message; we keep each card under 40 KB. */
export const MAX_CARD_BYTES = 40 * 1024;
