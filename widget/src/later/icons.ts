/** The icons only widget-later.js draws (24×24 stroke paths, like ../icons.ts). */
export const FILE_ICON = 'M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zM14 3v5h5';
export const REMOVE_ICON = 'M18 6 6 18M6 6l12 12';
export const STAR_ICON = 'M12 2.8l2.8 5.8 6.4.9-4.6 4.5 1.1 6.3L12 17.3l-5.7 3 1.1-6.3-4.6-4.5 6.4-.9z';
export const CHECK_ICON = 'M20 6 9 17l-5-5';
export const MAIL_ICON = 'M4 5h16a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zM3 6.5l9 6.5 9-6.5';
