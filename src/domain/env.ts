import { z } from 'zod';

/** A whole number variable in [min, max]; unset or empty means the default. Shared by every
 * setting read from the environment (src/http/limits.ts, src/ingest/config.ts). */
export const wholeNumber = (fallback: number, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      const value = raw?.trim();
      if (!value) return fallback;
      const n = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!(n >= min && n <= max)) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number from ${min} to ${max}, not "${raw}"` });
        return z.NEVER;
      }
      return n;
    });
