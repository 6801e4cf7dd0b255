/** Page sizes of every connection (DESIGN.md: 20 by default, at most 100). */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
