/**
 * The app's SharePoint resource-unit budget per minute, by the tenant's licence band
 * (https://learn.microsoft.com/en-us/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online ,
 * "Application throttling"): the budget is per app per tenant and grows with the number of
 * licences. The pacer starts from the band's budget and follows the service's RateLimit-* headers
 * from there (pacer.ts).
 */
export const SHAREPOINT_LICENCE_BANDS = {
  '0-1k': 1_250,
  '1k-5k': 2_500,
  '5k-15k': 3_750,
  '15k-50k': 5_000,
  '50k+': 6_250,
} as const;

export type SharePointLicenceBand = keyof typeof SHAREPOINT_LICENCE_BANDS;

/** The smallest tenant's budget, and the one assumed when nothing else is known. */
export const SMALLEST_TENANT_RU_PER_MINUTE = SHAREPOINT_LICENCE_BANDS['0-1k'];

/** The largest budget any tenant has (the pacer never probes beyond it). */
export const LARGEST_TENANT_RU_PER_MINUTE = SHAREPOINT_LICENCE_BANDS['50k+'];

export function ruPerMinuteForBand(band: SharePointLicenceBand): number {
  return SHAREPOINT_LICENCE_BANDS[band];
}
