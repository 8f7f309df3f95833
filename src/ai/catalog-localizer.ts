import { defaultSettings } from '../core/settings';
import { Localizer } from '../i18n/localizer';

/**
 * The catalogs' texts without any admin's overrides: for an AI built without the app's Localizer
 * (unit tests, tools). The app always passes its own.
 */
export const CATALOG_LOCALIZER = new Localizer({ get: () => defaultSettings({ aiConfidenceThreshold: 0.5 }) });
