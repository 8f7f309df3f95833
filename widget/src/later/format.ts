import { t } from '../texts';

/** The raster images shown inline; every other type is a named link (the server never serves SVG or HTML inline either). */
export const INLINE_IMAGES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];

export const MAX_FILES = 10;

/** "240 KB", "1.5 MB": what the customer reads beside a file's name. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MB`;
}

/** The sentences a refused file gets (413 and 415); `limitMb` unknown: the size is not guessed. */
export const tooLarge = (name: string, limitMb?: number) => (limitMb ? t('tooLarge', { name, mb: limitMb }) : t('tooLargeNoLimit', { name }));
export const notAccepted = (name: string) => t('notAccepted', { name });
