/** Prefix of the reference shown on an unexpected-error card and written in the log. */
export const CARD_ERROR_REFERENCE_PREFIX = 'WQ-';
/**
 * Teams refuses a bot message over 40 KB counted as UTF-16 on the older version of its limits
 * page (the current one says 100 KB, 80 KB recommended):
 * https://learn.microsoft.com/microsoftteams/platform/bots/how-to/format-your-bot-messages
 */
export const MAX_CARD_UTF16_BYTES = 40 * 1024;
/** What every card is built to stay under: well below the limit, leaving room for the activity around it. */
export const CARD_BUDGET_UTF16_BYTES = 32 * 1024;
