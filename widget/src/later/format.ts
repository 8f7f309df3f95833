import { language, t } from '../texts';

/** The raster images shown inline; every other type is a named link (the server never serves SVG or HTML inline either). */
export const INLINE_IMAGES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

export const MAX_FILES = 10;

/** "240 KB", "1,5 Mo": what the customer reads beside a file's name, in their language's units and numbers. */
export function humanSize(bytes: number): string {
  // The language's decimal mark; digits as in every other text of the chat (Latin).
  const n = (x: number) => x.toLocaleString(language(), { maximumFractionDigits: 1, useGrouping: false, numberingSystem: 'latn' });
  if (bytes < 1024) return t('sizeB', { n: n(bytes) });
  if (bytes < 1024 * 1024) return t('sizeKB', { n: n(Math.round(bytes / 1024)) });
  return t('sizeMB', { n: n(Math.round((bytes / (1024 * 1024)) * 10) / 10) });
}

/** The sentences a refused file gets (413 and 415); `limitMb` unknown: the size is not guessed. */
export const tooLarge = (name: string, limitMb?: number) => (limitMb ? t('tooLarge', { name, mb: limitMb }) : t('tooLargeNoLimit', { name }));
export const notAccepted = (name: string) => t('notAccepted', { name });
